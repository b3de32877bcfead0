import { describe, expect, it } from 'vitest';
import { clientSearchQuery } from './client-search';
import { setConfigQuery, tenantSettings, timestampToIso } from './db';
import { phoneDigits } from './entity-tables';

describe('timestampToIso', () => {
  it.each([
    ['2026-11-24 15:04:05.123456+00', '2026-11-24T15:04:05.123Z'],
    ['2026-11-24 10:04:05-05', '2026-11-24T15:04:05.000Z'],
    ['2026-11-24 20:49:05.1+05:45', '2026-11-24T15:04:05.100Z'],
    ['1901-01-01 00:00:00+01:39:49', '1900-12-31T22:20:11.000Z'],
    ['2026-11-24 15:04:05', '2026-11-24T15:04:05.000Z'],
    ['0045-03-15 12:00:00+00', '0045-03-15T12:00:00.000Z'],
    ['infinity', 'infinity'],
    ['0044-03-15 00:00:00+00 BC', '0044-03-15 00:00:00+00 BC'],
  ])('%s → %s', (text, iso) => {
    expect(timestampToIso(text)).toBe(iso);
  });
});

describe('tenant settings', () => {
  it('sets every key, unset ones empty, ids lower-cased', () => {
    const store = 'A3BB189E-8BF9-3888-9912-ACE4E6543002';
    expect(tenantSettings({ storeId: store, userId: null })).toEqual([
      ['app.store_id', store.toLowerCase()],
      ['app.org_id', ''],
      ['app.user_id', ''],
      ['app.staff_id', ''],
      ['app.device_id', ''],
    ]);
    expect(tenantSettings(null).every(([, v]) => v === '')).toBe(true);
  });

  it('refuses an id that is not a UUID', () => {
    expect(() => tenantSettings({ storeId: "x' or 1=1" })).toThrow(
      /TenantContext.storeId must be a UUID/,
    );
  });

  it('builds one parameterized set_config call per setting', () => {
    expect(
      setConfigQuery([
        ['a', '1'],
        ['b', '2'],
      ]),
    ).toEqual({
      text: 'select set_config($1, $2, true), set_config($3, $4, true)',
      params: ['a', '1', 'b', '2'],
    });
  });
});

describe('client search input', () => {
  it('makes prefix terms and drops tsquery syntax', () => {
    expect(clientSearchQuery('Ann  LE')).toBe("'ann':* & 'le':*");
    expect(clientSearchQuery("o'brien & | !x")).toBe("'obrien':* & 'x':*");
    expect(clientSearchQuery('  ')).toBeNull();
    expect(phoneDigits('(555) 123-4567')).toBe('5551234567');
    expect(phoneDigits('n/a')).toBeNull();
  });
});
