import { describe, expect, it } from 'vitest';
import { formatClock, formatMinutesOfDay, hourCycleOf, storeLocale } from './time';

// ICU puts a narrow no-break space before AM/PM; a person reads a space.
const plain = (s: string) => s.replace(/\s/g, ' ');

describe('the store clock format', () => {
  it('takes the locale from the store’s currency', () => {
    expect(storeLocale('USD')).toBe('en-US');
    expect(storeLocale('GBP')).toBe('en-GB');
  });

  it('reads 12 hours in the US and 24 in the UK', () => {
    expect(hourCycleOf('en-US')).toBe('h12');
    expect(hourCycleOf('en-GB')).toBe('h23');
    expect(hourCycleOf('de-DE')).toBe('h23');
  });

  it('formats hour labels and bookings alike', () => {
    const at = '2026-03-02T18:30:00.000Z'; // 1:30 PM in New York (EST)
    expect(plain(formatClock(at, 'America/New_York', 'en-US'))).toBe('1:30 PM');
    expect(plain(formatMinutesOfDay(13 * 60 + 30, 'en-US'))).toBe('1:30 PM');
    expect(formatClock(at, 'America/New_York', 'en-GB')).toBe('13:30');
    expect(formatMinutesOfDay(13 * 60 + 30, 'en-GB')).toBe('13:30');
    expect(formatMinutesOfDay(9 * 60, 'en-GB')).toBe('09:00');
    expect(plain(formatMinutesOfDay(0, 'en-US'))).toBe('12:00 AM');
  });
});
