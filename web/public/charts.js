// Hand-drawn SVG charts for the insights dashboard and the reports: no library, every label is a text node.
import { el, svg } from './common.js';

const POS = '#1a7f37';
const NEG = '#c62828';
const VOL = '#c9d3df';

/** Months -> quarters when there are too many points to read. */
export function bucket(monthly, maxPoints = 30) {
  if (monthly.length <= maxPoints) return monthly.map((m) => ({ ...m, label: m.month }));
  const byQ = new Map();
  for (const m of monthly) {
    const q = `${m.month.slice(0, 4)} Q${Math.floor((Number(m.month.slice(5, 7)) - 1) / 3) + 1}`;
    const b = byQ.get(q) || { label: q, count: 0, pos: 0, neg: 0, ratingSum: 0 };
    b.count += m.count;
    b.pos += m.positive * m.count;
    b.neg += m.negative * m.count;
    b.ratingSum += (m.meanRating || 0) * m.count;
    byQ.set(q, b);
  }
  return [...byQ.values()].map((b) => ({
    label: b.label,
    count: b.count,
    positive: b.count ? b.pos / b.count : 0,
    negative: b.count ? b.neg / b.count : 0,
    neutral: b.count ? 1 - (b.pos + b.neg) / b.count : 0,
    meanRating: b.count ? b.ratingSum / b.count : null,
  }));
}

function monthLabel(label) {
  if (/^\d{4}-\d{2}$/.test(label)) {
    const d = new Date(`${label}-01T00:00:00Z`);
    return d.toLocaleDateString('en-GB', { month: 'short', year: '2-digit', timeZone: 'UTC' });
  }
  return label;
}

/**
 * Sentiment over time: bars for review volume, an area + line for the positive share and a line for
 * the negative share (0-100 %). Periods without reviews leave gaps instead of fake values.
 */
export function sentimentChart(monthly, opts = {}) {
  const data = bucket(monthly, opts.maxPoints || 30);
  // Drawn at the size it is shown, so the labels keep their size on a phone.
  const W = Math.round(Math.max(300, Math.min(720, opts.width || 600)));
  const H = W < 420 ? 220 : 260;
  const m = { l: 46, r: 40, t: 14, b: 36 };
  const iw = W - m.l - m.r;
  const ih = H - m.t - m.b;
  const n = Math.max(1, data.length);
  const step = iw / n;
  const x = (i) => m.l + step * i + step / 2;
  const y = (share) => m.t + ih * (1 - share);
  const maxCount = Math.max(1, ...data.map((d) => d.count));
  const yCount = (c) => m.t + ih * (1 - c / maxCount);
  const total = data.reduce((s, d) => s + d.count, 0);
  const weighted = (k) => (total ? data.reduce((s, d) => s + d[k] * d.count, 0) / total : 0);
  const label = `Sentiment over time, ${data.length} periods from ${monthLabel(data[0]?.label || '')} to ${monthLabel(data[data.length - 1]?.label || '')}: on average ${Math.round(weighted('positive') * 100)}% of reviews positive and ${Math.round(weighted('negative') * 100)}% negative.`;

  const root = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, 'data-chart': 'sentiment' });
  root.append(svg('title', { text: 'Sentiment over time' }), svg('desc', { text: label }));

  // Grid and axes.
  const grid = svg('g', { class: 'grid' });
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    grid.append(svg('line', { x1: m.l, x2: W - m.r, y1: y(t), y2: y(t), 'stroke-dasharray': t === 0 ? '' : '3 3' }));
    grid.append(svg('text', { x: m.l - 6, y: y(t) + 4, 'text-anchor': 'end', text: `${Math.round(t * 100)}%` }));
  }
  grid.append(svg('text', { x: W - m.r + 6, y: y(1) + 4, 'text-anchor': 'start', text: String(maxCount) }));
  grid.append(svg('text', { x: W - m.r + 6, y: y(0) + 4, 'text-anchor': 'start', text: '0' }));
  root.append(grid);

  // Volume bars (right axis).
  const bars = svg('g', { 'aria-hidden': 'true' });
  data.forEach((d, i) => {
    if (!d.count) return;
    const h = y(0) - yCount(d.count);
    bars.append(svg('rect', { x: x(i) - Math.max(1, step * 0.35), y: yCount(d.count), width: Math.max(2, step * 0.7), height: Math.max(0.5, h), fill: VOL, rx: 1.5 }));
  });
  root.append(bars);

  // Lines with gaps where a period has no reviews.
  const path = (key) => {
    let dStr = '';
    let open = false;
    data.forEach((d, i) => {
      if (!d.count) {
        open = false;
        return;
      }
      dStr += `${open ? 'L' : 'M'}${x(i).toFixed(1)},${y(d[key]).toFixed(1)}`;
      open = true;
    });
    return dStr;
  };
  const area = () => {
    // One closed area per run of periods with reviews.
    let out = '';
    let run = [];
    const flush = () => {
      if (run.length) {
        out += `M${x(run[0]).toFixed(1)},${y(0).toFixed(1)}` + run.map((i) => `L${x(i).toFixed(1)},${y(data[i].positive).toFixed(1)}`).join('') + `L${x(run[run.length - 1]).toFixed(1)},${y(0).toFixed(1)}Z`;
      }
      run = [];
    };
    data.forEach((d, i) => (d.count ? run.push(i) : flush()));
    flush();
    return out;
  };
  root.append(svg('path', { d: area(), fill: POS, 'fill-opacity': '0.12', stroke: 'none' }));
  root.append(svg('path', { d: path('positive'), fill: 'none', stroke: POS, 'stroke-width': '2.5', 'stroke-linejoin': 'round', 'data-series': 'positive' }));
  root.append(svg('path', { d: path('negative'), fill: 'none', stroke: NEG, 'stroke-width': '2', 'stroke-dasharray': '5 3', 'stroke-linejoin': 'round', 'data-series': 'negative' }));

  // Points with tooltips.
  const pts = svg('g');
  data.forEach((d, i) => {
    if (!d.count) return;
    const tip = `${monthLabel(d.label)}: ${d.count} review${d.count === 1 ? '' : 's'}, ${Math.round(d.positive * 100)}% positive, ${Math.round(d.negative * 100)}% negative${d.meanRating ? `, ${d.meanRating.toFixed(1)}★` : ''}`;
    const g = svg('g', {}, [svg('title', { text: tip })]);
    g.append(svg('circle', { cx: x(i), cy: y(d.positive), r: n > 40 ? 2 : 3.5, fill: POS }));
    g.append(svg('circle', { cx: x(i), cy: y(d.negative), r: n > 40 ? 1.5 : 3, fill: NEG }));
    // A wide invisible hit area makes the tooltip easy to get.
    g.append(svg('rect', { x: x(i) - step / 2, y: m.t, width: step, height: ih, fill: 'transparent' }));
    pts.append(g);
  });
  root.append(pts);

  // X labels: as many as fit without touching.
  const every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(iw / 64))));
  const axis = svg('g', { class: 'axis' });
  data.forEach((d, i) => {
    if (i % every !== 0) return;
    axis.append(svg('text', { x: x(i), y: H - m.b + 20, 'text-anchor': 'middle', text: monthLabel(d.label) }));
  });
  root.append(axis);
  return root;
}

export function sentimentLegend() {
  return el('div', { class: 'legend' }, [
    el('span', {}, [el('i', { class: 'sb-pos' }), '% positive reviews']),
    el('span', {}, [el('i', { class: 'sb-neg' }), '% negative (dashed)']),
    el('span', {}, [el('i', { class: 'legend-vol' }), 'reviews per period (right axis)']),
  ]);
}

/** Rating distribution: one horizontal bar per star level with count and share (of reviews, or of `noun`). */
export function ratingChart(distribution, noun = 'reviews') {
  const levels = ['5', '4', '3', '2', '1'];
  const counts = levels.map((k) => Number(distribution[k] || 0));
  const total = counts.reduce((a, b) => a + b, 0);
  const max = Math.max(1, ...counts);
  const W = 300;
  const rowH = 34;
  const H = rowH * 5 + 8;
  const lx = 34;
  const bw = W - lx - 96;
  const label = `Rating distribution of ${total} ${noun}: ${levels.map((k, i) => `${k} stars ${counts[i]}`).join(', ')}.`;
  const root = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, 'data-chart': 'ratings' });
  root.append(svg('title', { text: 'Rating distribution' }));
  const colors = { 5: '#1a7f37', 4: '#4ea865', 3: '#b7950b', 2: '#e07a3f', 1: '#c62828' };
  levels.forEach((k, i) => {
    const yy = 4 + i * rowH;
    const w = (counts[i] / max) * bw;
    root.append(svg('text', { x: lx - 6, y: yy + 21, 'text-anchor': 'end', text: `${k}★` }));
    root.append(svg('rect', { x: lx, y: yy + 6, width: bw, height: 20, fill: '#eef1f4', rx: 4 }));
    root.append(svg('rect', { x: lx, y: yy + 6, width: Math.max(counts[i] ? 2 : 0, w), height: 20, fill: colors[k], rx: 4 }, [svg('title', { text: `${k} stars: ${counts[i]} ${noun}` })]));
    root.append(svg('text', { x: lx + bw + 8, y: yy + 21, text: `${counts[i]} · ${total ? Math.round((counts[i] / total) * 100) : 0}%` }));
  });
  return root;
}

/** A small line of the positive share per period, with the last point marked. */
export function sparkline(trend, opts = {}) {
  const W = opts.width || 96;
  const H = opts.height || 26;
  const pts = (trend || []).filter((t) => t.mentions > 0);
  const label = pts.length ? `Positive share by quarter: ${pts.map((t) => `${t.period} ${Math.round(t.positiveShare * 100)}%`).join(', ')}` : 'Not enough mentions for a trend';
  const root = svg('svg', { class: 'spark', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label });
  root.append(svg('title', { text: label }));
  root.append(svg('line', { x1: 0, x2: W, y1: H / 2, y2: H / 2, stroke: '#d8dee4', 'stroke-dasharray': '2 2' }));
  if (pts.length === 0) return root;
  const x = (i) => (pts.length === 1 ? W / 2 : 3 + ((W - 6) * i) / (pts.length - 1));
  const y = (s) => 3 + (H - 6) * (1 - s);
  const d = pts.map((t, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(t.positiveShare).toFixed(1)}`).join('');
  const last = pts[pts.length - 1];
  const color = last.positiveShare >= 0.6 ? POS : last.positiveShare <= 0.4 ? NEG : '#9a6700';
  root.append(svg('path', { d, fill: 'none', stroke: color, 'stroke-width': '1.8', 'stroke-linejoin': 'round' }));
  root.append(svg('circle', { cx: x(pts.length - 1), cy: y(last.positiveShare), r: 2.6, fill: color }));
  return root;
}

/**
 * Horizontal bars, one per item ({ label, value }), longest first as given; `format(value)` writes
 * the figure after each bar. `title` names the chart for screen readers.
 */
export function barChart(items, { title = 'Chart', format = String, color = '#0969da', width = 420 } = {}) {
  const W = width;
  const rowH = 30;
  const lx = Math.min(180, Math.max(60, 8 + 7 * Math.max(0, ...items.map((d) => String(d.label).length))));
  const bw = W - lx - 70;
  const H = Math.max(rowH, rowH * items.length) + 6;
  const max = Math.max(1e-9, ...items.map((d) => d.value));
  const label = `${title}: ${items.map((d) => `${d.label} ${format(d.value)}`).join(', ') || 'nothing in this period'}.`;
  const root = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, 'data-chart': 'bars' });
  root.append(svg('title', { text: title }));
  items.forEach((d, i) => {
    const yy = 3 + i * rowH;
    const w = (d.value / max) * bw;
    root.append(svg('text', { x: lx - 8, y: yy + 19, 'text-anchor': 'end', text: String(d.label).length > 24 ? `${String(d.label).slice(0, 23)}…` : String(d.label) }));
    root.append(svg('rect', { x: lx, y: yy + 5, width: bw, height: 20, fill: '#eef1f4', rx: 4 }));
    root.append(svg('rect', { x: lx, y: yy + 5, width: Math.max(d.value ? 2 : 0, w), height: 20, fill: color, rx: 4 }, [svg('title', { text: `${d.label}: ${format(d.value)}` })]));
    root.append(svg('text', { x: lx + bw + 8, y: yy + 19, text: format(d.value) }));
  });
  return root;
}

/** Chats per day as stacked columns: resolved by the bot, handed off, and the rest. */
export function dailyChart(days, { width = 600 } = {}) {
  const W = Math.round(Math.max(300, Math.min(720, width)));
  const H = 240;
  const m = { l: 40, r: 12, t: 12, b: 34 };
  const iw = W - m.l - m.r;
  const ih = H - m.t - m.b;
  const n = Math.max(1, days.length);
  const step = iw / n;
  const max = Math.max(1, ...days.map((d) => d.chats));
  const y = (v) => m.t + ih * (1 - v / max);
  const total = days.reduce((s, d) => s + d.chats, 0);
  const label = `Chats per day, ${days.length} days, ${total} chats: ${days.map((d) => `${d.day} ${d.chats} (${d.automated} resolved by the bot, ${d.handedOff} handed off)`).join('; ')}.`;
  const root = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, 'data-chart': 'daily' });
  root.append(svg('title', { text: 'Chats per day' }));
  const grid = svg('g', { class: 'grid' });
  const ticks = [...new Set([0, Math.round(max / 2), max])];
  for (const t of ticks) {
    grid.append(svg('line', { x1: m.l, x2: W - m.r, y1: y(t), y2: y(t), 'stroke-dasharray': t === 0 ? '' : '3 3' }));
    grid.append(svg('text', { x: m.l - 6, y: y(t) + 4, 'text-anchor': 'end', text: String(t) }));
  }
  root.append(grid);
  const bw = Math.max(3, Math.min(40, step * 0.7));
  const every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(iw / 56))));
  days.forEach((d, i) => {
    const cx = m.l + step * i + step / 2;
    const parts = [
      { v: d.automated, fill: POS, name: 'resolved by the bot' },
      { v: d.handedOff, fill: '#0969da', name: 'handed off' },
      { v: d.chats - d.automated - d.handedOff, fill: VOL, name: 'other' },
    ];
    let base = 0;
    const g = svg('g', {}, [svg('title', { text: `${d.day}: ${d.chats} chats, ${d.automated} resolved by the bot, ${d.handedOff} handed off` })]);
    for (const p of parts) {
      if (p.v > 0) g.append(svg('rect', { x: cx - bw / 2, y: y(base + p.v), width: bw, height: Math.max(0.5, y(base) - y(base + p.v)), fill: p.fill }));
      base += p.v;
    }
    root.append(g);
    if (i % every === 0) root.append(svg('text', { x: cx, y: H - m.b + 18, 'text-anchor': 'middle', text: new Date(`${d.day}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' }) }));
  });
  return root;
}

export function dailyLegend() {
  return el('div', { class: 'legend' }, [
    el('span', {}, [el('i', { class: 'sb-pos' }), 'resolved by the bot']),
    el('span', {}, [el('i', { class: 'legend-handoff' }), 'handed off']),
    el('span', {}, [el('i', { class: 'legend-vol' }), 'other']),
  ]);
}
