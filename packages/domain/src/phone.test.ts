import { describe, expect, it } from 'vitest';
import { phoneDigits, samePhone } from './phone';

describe('phoneDigits', () => {
  it('keeps only the digits of what was typed', () => {
    expect(phoneDigits('(555) 010-0123')).toBe('5550100123');
    expect(phoneDigits('+1 555.010.0123 ')).toBe('15550100123');
    expect(phoneDigits(null)).toBe('');
    expect(phoneDigits(undefined)).toBe('');
  });
});

describe('samePhone', () => {
  it('matches the same number however it was punctuated', () => {
    expect(samePhone('(555) 010-0123', '555.010.0123')).toBe(true);
    expect(samePhone('555 010 0123', '5550100123')).toBe(true);
  });

  it('matches a number with and without its country code', () => {
    expect(samePhone('+1 (555) 010-0123', '555-010-0123')).toBe(true);
    expect(samePhone('0044 20 7946 0958', '20 7946 0958')).toBe(true);
    expect(samePhone('+44 20 7946 0958', '0044 20 7946 0958')).toBe(true);
  });

  it('does not match different numbers, or one that is only a tail of a longer one', () => {
    expect(samePhone('555-010-0123', '555-010-0124')).toBe(false);
    expect(samePhone('0100123', '1 555 555 0100123')).toBe(false);
  });

  it('never matches too few digits (an extension, an empty field)', () => {
    expect(samePhone('123', '123')).toBe(false);
    expect(samePhone('', '')).toBe(false);
    expect(samePhone(null, '555-010-0123')).toBe(false);
  });
});
