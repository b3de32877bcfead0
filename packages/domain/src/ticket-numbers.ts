/**
 * Readable ticket numbers, unique per store and business day without asking the server.
 *
 * A number is `<device code>-<sequence>`, e.g. "A-017": the device code is assigned by the
 * server when the device registers (unique in its store, never reused, even after a device is
 * revoked) and the sequence counts the tickets that device opened on that business day. Only
 * one device issues numbers with its code and it sees every ticket it opened (server state plus
 * its own outbox), so two devices offline at the same time can never produce the same number:
 * uniqueness comes from the construction, not from a round trip.
 */

/** Letters without I and O, which a person reads as 1 and 0 on a printed receipt. */
export const DEVICE_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const BASE = DEVICE_CODE_ALPHABET.length;

/** One to three letters: 24 + 576 + 13,824 devices per store. */
export const DEVICE_CODE_PATTERN = /^[A-HJ-NP-Z]{1,3}$/;

/** Sequences run 1…9999 per device and day; printed with at least three digits. */
export const MAX_TICKET_SEQUENCE = 9999;

const TICKET_NUMBER_PATTERN = /^([A-HJ-NP-Z]{1,3})-(\d{3,4})$/;

/**
 * The n-th device code of a store (0 → "A", 23 → "Z", 24 → "AA"): bijective base 24, so every
 * index has exactly one code and the codes stay short. The migration 0016 computes the same.
 */
export function deviceCodeAt(index: number): string {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`Bad device index ${index}`);
  let code = '';
  let k = index;
  while (k >= 0) {
    code = DEVICE_CODE_ALPHABET.charAt(k % BASE) + code;
    k = Math.floor(k / BASE) - 1;
  }
  return code;
}

/** The inverse of `deviceCodeAt`; -1 when it is not a device code. */
export function deviceCodeIndex(code: string): number {
  if (!DEVICE_CODE_PATTERN.test(code)) return -1;
  let index = 0;
  for (const ch of code) index = index * BASE + DEVICE_CODE_ALPHABET.indexOf(ch) + 1;
  return index - 1;
}

export function formatTicketNumber(deviceCode: string, sequence: number): string {
  return `${deviceCode}-${String(sequence).padStart(3, '0')}`;
}

/**
 * The parts of a ticket number, or null unless it is canonical ("A-017", never "A-0017" or
 * "A-000"): one sequence has exactly one spelling, so comparing strings compares numbers.
 */
export function parseTicketNumber(value: string): { deviceCode: string; sequence: number } | null {
  const match = TICKET_NUMBER_PATTERN.exec(value);
  if (!match) return null;
  const deviceCode = match[1] as string;
  const sequence = Number(match[2]);
  if (sequence < 1 || formatTicketNumber(deviceCode, sequence) !== value) return null;
  return { deviceCode, sequence };
}

/**
 * The number for the next ticket a device opens: one more than the highest sequence among the
 * numbers it already gave on this business day (pass the day's ticket numbers; other devices'
 * are ignored). Null once the day's 9999 are used up: the ticket then opens without a number.
 */
export function nextTicketNumber(
  deviceCode: string,
  numbersToday: readonly (string | null | undefined)[],
): string | null {
  let highest = 0;
  for (const value of numbersToday) {
    const parsed = value ? parseTicketNumber(value) : null;
    if (parsed && parsed.deviceCode === deviceCode) highest = Math.max(highest, parsed.sequence);
  }
  return highest >= MAX_TICKET_SEQUENCE ? null : formatTicketNumber(deviceCode, highest + 1);
}

/** What a person reads for a ticket: its number, or (tickets opened without one) its id's start. */
export function ticketLabel(ticket: { id: string; number?: string | null }): string {
  return ticket.number ?? ticket.id.slice(0, 8).toUpperCase();
}
