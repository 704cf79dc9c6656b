import { describe, expect, it } from 'vitest';
import { BusinessHoursError, describeOpening, isOpen, nextOpening, parseBusinessHours } from './business-hours.js';

// Instants in India (UTC+5:30): 2026-12-07 is a Monday.
const ist = (local: string) => Date.parse(`${local}+05:30`);

describe('business hours', () => {
  const hours = parseBusinessHours('mon-fri 09:00-18:00; sat 10:00-14:00', 'Asia/Kolkata', ['2026-12-25']);

  it('is open inside the hours of the day, in the store\'s time zone', () => {
    expect(isOpen(hours, ist('2026-12-07T09:00:00'))).toBe(true);
    expect(isOpen(hours, ist('2026-12-07T17:59:00'))).toBe(true);
    expect(isOpen(hours, ist('2026-12-07T18:00:00'))).toBe(false);
    expect(isOpen(hours, ist('2026-12-07T08:59:00'))).toBe(false);
    expect(isOpen(hours, ist('2026-12-12T11:00:00'))).toBe(true); // Saturday
    expect(isOpen(hours, ist('2026-12-13T11:00:00'))).toBe(false); // Sunday
    expect(isOpen(hours, ist('2026-12-25T11:00:00'))).toBe(false); // holiday (a Friday)
  });

  it('says when the team is back: later today, tomorrow, or a named day', () => {
    const early = ist('2026-12-07T07:30:00');
    expect(nextOpening(hours, early)).toBe(ist('2026-12-07T09:00:00'));
    expect(describeOpening(hours, nextOpening(hours, early)!, early)).toBe('today at 9:00 am');
    const evening = ist('2026-12-07T20:00:00');
    expect(describeOpening(hours, nextOpening(hours, evening)!, evening)).toBe('tomorrow at 9:00 am');
    const saturdayNoonish = ist('2026-12-12T15:00:00');
    expect(nextOpening(hours, saturdayNoonish)).toBe(ist('2026-12-14T09:00:00'));
    expect(describeOpening(hours, ist('2026-12-14T09:00:00'), saturdayNoonish)).toMatch(/^Monday, 14 Dec at 9:00 am$/i);
    expect(nextOpening(hours, ist('2026-12-24T19:00:00'))).toBe(ist('2026-12-26T10:00:00'));
  });

  it('refuses what it cannot read, with the reason', () => {
    expect(() => parseBusinessHours('weekdays 9-5')).toThrow(BusinessHoursError);
    expect(() => parseBusinessHours('mon 18:00-09:00')).toThrow(/not after the start/);
    expect(() => parseBusinessHours('mon 09:00-18:00', 'Mars/Olympus')).toThrow(/time zone/);
    expect(() => parseBusinessHours('mon 09:00-18:00', 'Asia/Kolkata', ['25/12'])).toThrow(/holiday/);
  });
});
