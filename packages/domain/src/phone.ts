/**
 * Phone numbers as people type them ("(555) 010-0123", "+1 555 010 0123", "555.010.0123") are
 * compared by their digits, so the desk notices a client who is already on file.
 */

/** The digits of a phone number, nothing else ("" for none). */
export function phoneDigits(phone: string | null | undefined): string {
  return (phone ?? '').replace(/\D+/g, '');
}

/** Fewer digits than this is a typo or an extension, never a phone number worth matching. */
const MIN_MATCH_DIGITS = 7;
/** Longest country calling code (ITU-T E.164): "+1 555…" and "555…" are the same number. */
const MAX_COUNTRY_CODE_DIGITS = 3;

/**
 * Whether two typed numbers are the same phone: equal digits, or equal once one of them drops a
 * leading country code (and an international "00" prefix).
 */
export function samePhone(a: string | null | undefined, b: string | null | undefined): boolean {
  const [x, y] = [trimInternationalPrefix(phoneDigits(a)), trimInternationalPrefix(phoneDigits(b))];
  if (x.length < MIN_MATCH_DIGITS || y.length < MIN_MATCH_DIGITS) return false;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  return long.length - short.length <= MAX_COUNTRY_CODE_DIGITS && long.endsWith(short);
}

function trimInternationalPrefix(digits: string): string {
  return digits.startsWith('00') ? digits.slice(2) : digits;
}
