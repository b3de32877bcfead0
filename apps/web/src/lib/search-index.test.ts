import { describe, expect, it } from 'vitest';
import { buildIndex, onlyDigits, searchIndex } from './search-index';

const clients = [
  { id: 'c', firstName: 'Olivia', lastName: 'Nguyen', phone: '+1 555-000-1234', email: 'liv@x.io' },
  { id: 'a', firstName: 'Emma', lastName: 'Smith', phone: '(555) 987 6543' },
  { id: 'b', firstName: 'Ava', lastName: 'smith', phone: null },
  { id: 'd', firstName: '<img src=x onerror=alert(1)>', lastName: '', phone: '5550001' },
];

describe('client search index', () => {
  const index = buildIndex(clients);
  const ids = (q: string) => searchIndex(index, q).map((i) => index.ids[i]);

  it('sorts by last name then first name, case-insensitively', () => {
    expect(index.ids).toEqual(['d', 'c', 'b', 'a']);
  });
  it('returns everything for an empty query', () => {
    expect(ids('  ')).toHaveLength(4);
  });
  it('matches every word of a name query anywhere in the name or email', () => {
    expect(ids('smi')).toEqual(['b', 'a']);
    expect(ids('emma smi')).toEqual(['a']);
    expect(ids('SMITH ava')).toEqual(['b']);
    expect(ids('liv@')).toEqual(['c']);
    expect(ids('zzz')).toEqual([]);
  });
  it('matches partial phone numbers on digits only, whatever the formatting', () => {
    expect(ids('555-000')).toEqual(['d', 'c']);
    expect(ids('0001234')).toEqual(['c']);
    expect(ids('987 65')).toEqual(['a']);
    expect(onlyDigits('+1 (555) 0')).toBe('15550');
  });
  it('treats markup as plain text', () => {
    expect(ids('<img')).toEqual(['d']);
  });
  it('respects the limit', () => {
    expect(searchIndex(index, '', 2)).toEqual([0, 1]);
  });
  it('stays fast on 50,000 clients', () => {
    const many = Array.from({ length: 50_000 }, (_, i) => ({
      id: String(i),
      firstName: `First${i}`,
      lastName: `Last${i % 977}`,
      phone: `+1555${String(i).padStart(7, '0')}`,
    }));
    const big = buildIndex(many);
    const t0 = performance.now();
    for (const q of ['4', '42', '421', '4217', 'first4', 'last9 first1']) searchIndex(big, q);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(searchIndex(big, '0042170').map((i) => big.ids[i])).toEqual(['42170']);
  });
});
