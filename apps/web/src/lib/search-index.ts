/**
 * The client search index: built once off the main thread (search.worker.ts) from the device's
 * local clients, then searched per keystroke. Names match by every word of the query appearing
 * in the name or email (case-insensitive); a query of digits matches anywhere in the phone
 * number's digits ("555 01" finds +1 555-0123).
 */
export interface SearchableClient {
  id: string;
  firstName: string;
  lastName: string;
  phone?: string | null | undefined;
  email?: string | null | undefined;
}

export interface SearchIndex {
  ids: string[];
  names: string[];
  phones: string[];
  /** lower-case "first last email" per entry */
  hay: string[];
  /** digits of the phone per entry */
  digits: string[];
}

export const onlyDigits = (s: string): string => s.replace(/\D+/g, '');

export function displayName(c: { firstName: string; lastName: string }): string {
  return `${c.firstName} ${c.lastName}`.trim();
}

/** Sorted by last name, then first name, then id (stable across devices). */
export function buildIndex(clients: readonly SearchableClient[]): SearchIndex {
  const sorted = [...clients].sort(
    (a, b) =>
      cmp(a.lastName.toLowerCase(), b.lastName.toLowerCase()) ||
      cmp(a.firstName.toLowerCase(), b.firstName.toLowerCase()) ||
      cmp(a.id, b.id),
  );
  const index: SearchIndex = { ids: [], names: [], phones: [], hay: [], digits: [] };
  for (const c of sorted) {
    index.ids.push(c.id);
    index.names.push(displayName(c));
    index.phones.push(c.phone ?? '');
    index.hay.push(`${c.firstName} ${c.lastName} ${c.email ?? ''}`.toLowerCase());
    index.digits.push(onlyDigits(c.phone ?? ''));
  }
  return index;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Positions in the index that match `query`, in index order; everything for an empty query. */
export function searchIndex(index: SearchIndex, query: string, limit = Infinity): number[] {
  const q = query.trim().toLowerCase();
  const out: number[] = [];
  const n = index.ids.length;
  if (q === '') {
    for (let i = 0; i < n && out.length < limit; i++) out.push(i);
    return out;
  }
  const isPhone = /^[\d\s()+.-]+$/.test(q) && onlyDigits(q).length > 0;
  if (isPhone) {
    const d = onlyDigits(q);
    for (let i = 0; i < n && out.length < limit; i++) {
      if ((index.digits[i] as string).includes(d)) out.push(i);
    }
    return out;
  }
  const words = q.split(/\s+/);
  for (let i = 0; i < n && out.length < limit; i++) {
    const h = index.hay[i] as string;
    let ok = true;
    for (const w of words) {
      if (!h.includes(w)) {
        ok = false;
        break;
      }
    }
    if (ok) out.push(i);
  }
  return out;
}
