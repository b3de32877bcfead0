import { describe, expect, it } from 'vitest';
import {
  BOOKING_TEXT,
  contrastRatio,
  paletteIndex,
  STAFF_PALETTE,
  staffColors,
} from './staff-colors';

describe('staff colours', () => {
  it('keeps the booking text readable on every tint (WCAG AA, 4.5:1)', () => {
    for (const { tint } of STAFF_PALETTE) {
      expect(contrastRatio(BOOKING_TEXT.main, tint)).toBeGreaterThanOrEqual(4.5);
      expect(contrastRatio(BOOKING_TEXT.secondary, tint)).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('computes contrast as WCAG does', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  it('gives a staff member the same colour every time, and spreads a team over the palette', () => {
    expect(staffColors({ id: 'staff-1' })).toEqual(staffColors({ id: 'staff-1' }));
    const ids = Array.from({ length: 40 }, (_, i) => `0000000${i}-4c1e-4a55-9d7e-${i}`);
    expect(new Set(ids.map(paletteIndex)).size).toBeGreaterThan(STAFF_PALETTE.length / 2);
  });

  it('uses a picked colour as the accent only, keeping the readable tint', () => {
    const picked = staffColors({ id: 'staff-1', color: '#111111' });
    expect(picked.accent).toBe('#111111');
    expect(picked.tint).toBe(staffColors({ id: 'staff-1' }).tint);
    expect(staffColors({ id: 'staff-1', color: 'red' }).accent).toBe(
      staffColors({ id: 'staff-1' }).accent,
    );
  });
});
