import { describe, expect, it } from 'vitest';
import { addDays, dayIn, startOfDay } from './zoned-day.js';

describe('days in the store time zone', () => {
  it('puts an instant on its local day', () => {
    expect(dayIn('2026-12-02T19:00:00Z', 'Asia/Kolkata')).toBe('2026-12-03');
    expect(dayIn('2026-12-02T18:00:00Z', 'Asia/Kolkata')).toBe('2026-12-02');
    expect(dayIn('2026-12-02T19:00:00Z', 'UTC')).toBe('2026-12-02');
  });
  it('starts a local day at its local midnight, across daylight-saving changes too', () => {
    expect(new Date(startOfDay('2026-12-03', 'Asia/Kolkata')).toISOString()).toBe('2026-12-02T18:30:00.000Z');
    expect(new Date(startOfDay('2026-12-03', 'UTC')).toISOString()).toBe('2026-12-03T00:00:00.000Z');
    expect(new Date(startOfDay('2026-03-29', 'Europe/London')).toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(new Date(startOfDay('2026-03-30', 'Europe/London')).toISOString()).toBe('2026-03-29T23:00:00.000Z');
  });
  it('counts calendar days across month ends', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-03-08', -29)).toBe('2026-02-07');
  });
});
