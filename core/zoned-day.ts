// Calendar days in the store's time zone (SHOPBOT_TIMEZONE): a report's "2026-12-03" in India runs
// from 18:30 UTC the evening before, not from midnight UTC.

const formats = new Map<string, Intl.DateTimeFormat>();
const format = (timeZone: string): Intl.DateTimeFormat => {
  let f = formats.get(timeZone);
  if (!f) {
    // en-CA writes YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', numberingSystem: 'latn' });
    formats.set(timeZone, f);
  }
  return f;
};

function parts(at: number, timeZone: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of format(timeZone).formatToParts(at)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** The day (YYYY-MM-DD) an instant falls on in the time zone. */
export function dayIn(at: number | string, timeZone: string): string {
  const p = parts(typeof at === 'string' ? Date.parse(at) : at, timeZone);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function offsetAt(at: number, timeZone: string): number {
  const p = parts(at, timeZone);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(at / 1000) * 1000;
}

/** The instant (ms) a day (YYYY-MM-DD) starts in the time zone. */
export function startOfDay(day: string, timeZone: string): number {
  const midnightUtc = Date.parse(`${day}T00:00:00Z`);
  // Twice: the offset at the guess may differ from the offset at the answer (a daylight-saving change).
  let at = midnightUtc - offsetAt(midnightUtc, timeZone);
  at = midnightUtc - offsetAt(at, timeZone);
  return at;
}

/** The calendar day `n` days after (or, negative, before) a day (YYYY-MM-DD); no time zone needed. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
