import { SLUG_PATTERN } from '@mango/domain/online-booking';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { suggestedSlug } from './booking-slug';

describe('suggestedSlug', () => {
  it('makes a readable address from the store name', () => {
    expect(suggestedSlug('Nails by Lee!')).toBe('nails-by-lee');
    expect(suggestedSlug('  Crème Spa & Salon  ')).toBe('creme-spa-salon');
    expect(suggestedSlug('Q')).toBe('q-book');
    expect(suggestedSlug('!!!')).toBe('salon-book');
  });

  it('always answers a slug the domain accepts (3–40, single dashes)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (name) => {
        const slug = suggestedSlug(name);
        expect(slug).toMatch(SLUG_PATTERN);
        expect(slug.length).toBeGreaterThanOrEqual(3);
        expect(slug.length).toBeLessThanOrEqual(40);
      }),
    );
  });
});
