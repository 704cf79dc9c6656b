// When the support team works, in the store's time zone: "mon-fri 09:00-18:00; sat 10:00-14:00",
// with holidays ("2026-12-25"). Outside these hours a customer asking for a person is told when the
// team is back instead of being left to wait.

import { dateFormats, formatDate, translate, type Locale } from './i18n.js';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export class BusinessHoursError extends Error {}

export interface BusinessHours {
  timeZone: string;
  /** Per weekday (0 = Sunday): open intervals in minutes after local midnight. */
  week: [number, number][][];
  /** Local dates (YYYY-MM-DD) on which the team does not work. */
  holidays: Set<string>;
}

function minutes(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm.trim());
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59) throw new BusinessHoursError(`"${hhmm}" is not a time (HH:MM)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Parses "mon-fri 09:00-18:00; sat 10:00-14:00" (days: sun..sat, ranges and commas). */
export function parseBusinessHours(spec: string, timeZone = 'Asia/Kolkata', holidays: readonly string[] = []): BusinessHours {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone }).format(0);
  } catch {
    throw new BusinessHoursError(`unknown time zone "${timeZone}"`);
  }
  const week: [number, number][][] = DAYS.map(() => []);
  for (const part of spec.split(';').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z,\s-]+?)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$/i.exec(part);
    if (!m) throw new BusinessHoursError(`"${part}" is not "days HH:MM-HH:MM"`);
    const [from, to] = [minutes(m[2]!), minutes(m[3]!)];
    if (to <= from) throw new BusinessHoursError(`"${part}": the end is not after the start`);
    for (const group of m[1]!.toLowerCase().split(',').map((g) => g.trim())) {
      const ends = group.split('-').map((d) => DAYS.indexOf(d.trim().slice(0, 3) as (typeof DAYS)[number]));
      const a = ends[0] ?? -1;
      const b = ends[1] ?? a;
      if (ends.length > 2 || a < 0 || b < 0) throw new BusinessHoursError(`"${group}" is not a day or a range of days (sun..sat)`);
      for (let d = a; ; d = (d + 1) % 7) {
        week[d]!.push([from, to]);
        if (d === b) break;
      }
    }
  }
  for (const h of holidays) if (!/^\d{4}-\d{2}-\d{2}$/.test(h)) throw new BusinessHoursError(`holiday "${h}" is not a date (YYYY-MM-DD)`);
  return { timeZone, week, holidays: new Set(holidays) };
}

/** The local weekday, date and minute of an instant in the hours' time zone. */
function local(hours: BusinessHours, at: number): { day: number; date: string; minute: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: hours.timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'short', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { day: DAYS.indexOf(String(parts.weekday).toLowerCase().slice(0, 3) as (typeof DAYS)[number]), date: `${parts.year}-${parts.month}-${parts.day}`, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

export function isOpen(hours: BusinessHours, at = Date.now()): boolean {
  const l = local(hours, at);
  if (hours.holidays.has(l.date)) return false;
  return hours.week[l.day]!.some(([from, to]) => l.minute >= from && l.minute < to);
}

/** The next instant the team is at work (minute steps over at most two weeks); null if never. */
export function nextOpening(hours: BusinessHours, at = Date.now()): number | null {
  const start = Math.ceil(at / 60_000) * 60_000;
  // Quarter-hour steps, then back minute by minute to the first open one.
  for (let t = start; t < start + 14 * 24 * 3600_000; t += 15 * 60_000) {
    if (!isOpen(hours, t)) continue;
    let first = t;
    while (first - 60_000 >= start && isOpen(hours, first - 60_000)) first -= 60_000;
    return first;
  }
  return null;
}

/**
 * "Monday, 14 Dec at 9:00 am" (or "today at 2:00 pm", "tomorrow at 9:00 am") in the hours' time
 * zone, in a locale's words and formats (bot catalogue: opening.*, formats.*; English by default).
 */
export function describeOpening(hours: BusinessHours, opening: number, now = Date.now(), locale: Locale = { lang: 'en', tag: 'en-IN' }): string {
  const formats = dateFormats(locale);
  const time = formatDate(opening, { locale: locale.tag, timeZone: hours.timeZone, ...formats.time });
  const day = (t: number) => local(hours, t).date;
  if (day(opening) === day(now)) return translate(locale, 'bot:opening.today', { time });
  if (day(opening) === day(now + 24 * 3600_000)) return translate(locale, 'bot:opening.tomorrow', { time });
  return translate(locale, 'bot:opening.on', { date: formatDate(opening, { locale: locale.tag, timeZone: hours.timeZone, ...formats.day }), time });
}
