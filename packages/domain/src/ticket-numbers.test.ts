import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deviceCodeAt,
  deviceCodeIndex,
  formatTicketNumber,
  nextTicketNumber,
  parseTicketNumber,
  ticketLabel,
} from './ticket-numbers';

describe('device codes', () => {
  it('counts A…Z without I and O, then AA, AB …', () => {
    expect([0, 1, 7, 8, 13, 22, 23, 24, 25, 47, 48].map(deviceCodeAt)).toEqual([
      'A',
      'B',
      'H',
      'J',
      'P',
      'Y',
      'Z',
      'AA',
      'AB',
      'AZ',
      'BA',
    ]);
    expect(deviceCodeAt(24 + 24 * 24 - 1)).toBe('ZZ');
    expect(deviceCodeAt(24 + 24 * 24)).toBe('AAA');
  });

  it('is a bijection between indexes and codes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 24 + 576 + 13_823 }), (n) => {
        const code = deviceCodeAt(n);
        expect(code).toMatch(/^[A-HJ-NP-Z]{1,3}$/);
        expect(deviceCodeIndex(code)).toBe(n);
      }),
    );
    expect(deviceCodeIndex('I')).toBe(-1);
    expect(deviceCodeIndex('a')).toBe(-1);
  });
});

describe('ticket numbers', () => {
  it('has one canonical spelling per number', () => {
    expect(formatTicketNumber('A', 17)).toBe('A-017');
    expect(formatTicketNumber('BC', 1234)).toBe('BC-1234');
    expect(parseTicketNumber('A-017')).toEqual({ deviceCode: 'A', sequence: 17 });
    for (const bad of [
      'A-0017',
      'A-000',
      'A-17',
      'a-017',
      'I-001',
      'ABCD-001',
      'A017',
      'A-10000',
    ]) {
      expect(parseTicketNumber(bad), bad).toBeNull();
    }
  });

  it('continues after the highest number the device gave today, ignoring other devices', () => {
    expect(nextTicketNumber('B', [])).toBe('B-001');
    expect(nextTicketNumber('B', ['B-001', 'A-007', null, 'B-004', undefined])).toBe('B-005');
    expect(nextTicketNumber('B', ['B-9999'])).toBeNull();
  });

  it('labels a ticket by its number, or by its id when it has none', () => {
    expect(ticketLabel({ id: 'abcdef12-0000', number: 'C-003' })).toBe('C-003');
    expect(ticketLabel({ id: 'abcdef12-0000', number: null })).toBe('ABCDEF12');
  });

  it('never collides across devices that were offline at the same time on the same day', () => {
    // Each device numbers from what it sees: its own tickets, plus whatever it pulled from
    // the others before going offline (any prefix of their tickets). They never see each
    // other's offline tickets, and still no two numbers of the day are equal.
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            opened: fc.integer({ min: 0, max: 40 }),
            seenOthers: fc.integer({ min: 0, max: 40 }),
          }),
          { minLength: 2, maxLength: 6 },
        ),
        fc.integer({ min: 0, max: 30 }),
        (devices, syncedBefore) => {
          // A morning synced to everyone, then every device offline at once.
          const synced: string[] = [];
          for (let i = 0; i < syncedBefore; i++) {
            const code = deviceCodeAt(i % devices.length);
            synced.push(nextTicketNumber(code, synced) as string);
          }
          const all = [...synced];
          devices.forEach((device, index) => {
            const code = deviceCodeAt(index);
            const seen = synced.slice(0, Math.max(device.seenOthers, 0));
            const mine = synced.filter((n) => n.startsWith(`${code}-`));
            for (let k = 0; k < device.opened; k++) {
              const number = nextTicketNumber(code, [...seen, ...mine]) as string;
              mine.push(number);
              all.push(number);
            }
          });
          expect(new Set(all).size).toBe(all.length);
        },
      ),
    );
  });
});
