import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { approvalMac, approveWithPin, canonicalJson, deriveApprovalKey } from './approval';

const SUBJECT = {
  storeId: '00000000-0000-4000-8000-000000000001',
  deviceId: '00000000-0000-4000-8000-000000000002',
  staffId: '00000000-0000-4000-8000-000000000003',
  nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
  name: 'ticket.refund',
  args: { ticketId: 't', amountCents: 1000, lines: ['a', 'b'] },
};
const PARAMS = { approvalSalt: 'c2FsdHNhbHRzYWx0c2FsdA==', iterations: 1000 };

describe('approvals', () => {
  it('canonical JSON does not depend on key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
        expect(JSON.parse(canonicalJson(obj))).toEqual(JSON.parse(JSON.stringify(obj)));
      }),
    );
  });

  it('the MAC covers every part of the subject', async () => {
    const key = await deriveApprovalKey('2468', PARAMS.approvalSalt, PARAMS.iterations);
    const mac = await approvalMac(key, SUBJECT);
    expect(mac).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await approvalMac(key, { ...SUBJECT, args: { ...SUBJECT.args } })).toBe(mac);
    const variants = [
      { ...SUBJECT, storeId: '00000000-0000-4000-8000-000000000009' },
      { ...SUBJECT, deviceId: '00000000-0000-4000-8000-000000000009' },
      { ...SUBJECT, staffId: '00000000-0000-4000-8000-000000000009' },
      { ...SUBJECT, nonce: 'BAAAAAAAAAAAAAAAAAAAAA' },
      { ...SUBJECT, name: 'ticket.void' },
      { ...SUBJECT, args: { ...SUBJECT.args, amountCents: 1001 } },
    ];
    for (const v of variants) expect(await approvalMac(key, v)).not.toBe(mac);
    const otherPin = await deriveApprovalKey('2469', PARAMS.approvalSalt, PARAMS.iterations);
    expect(await approvalMac(otherPin, SUBJECT)).not.toBe(mac);
  });

  it('each approval gets its own nonce', async () => {
    const { nonce: _n, ...subject } = SUBJECT;
    const a = await approveWithPin('2468', PARAMS, subject);
    const b = await approveWithPin('2468', PARAMS, subject);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.mac).not.toBe(b.mac);
  });
});
