import { describe, expect, it } from 'vitest';
import { newGiftCardCode, normalizeGiftCardCode } from './gift-card-code';

describe('gift card codes', () => {
  it('makes readable codes of 12 random characters without look-alikes', () => {
    const code = newGiftCardCode();
    expect(code).toMatch(/^GC-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    // Fits ticket.addGiftCardLine's 4–40 characters.
    expect(code.length).toBe(17);
    const many = new Set(Array.from({ length: 200 }, () => newGiftCardCode()));
    expect(many.size).toBe(200);
  });

  it('uses the bytes it is given', () => {
    const zeros = (b: Uint8Array) => b.fill(0);
    expect(newGiftCardCode(zeros)).toBe('GC-AAAA-AAAA-AAAA');
    const last = (b: Uint8Array) => b.fill(31);
    expect(newGiftCardCode(last)).toBe('GC-9999-9999-9999');
  });

  it('normalizes a typed code', () => {
    expect(normalizeGiftCardCode('  gc-ab12-cd34 ')).toBe('GC-AB12-CD34');
  });
});
