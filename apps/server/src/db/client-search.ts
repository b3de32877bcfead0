/**
 * Client lookups for the front desk: full-text search over name, email and phone, and partial
 * phone lookups by leading or trailing digits. All index-driven (see 0003_synced_entities.sql).
 */
import type { ClientRow } from '../../../../packages/domain/src/entities';
import { isUuid, type Sql } from './db';
import { phoneDigits } from './entity-tables';

/**
 * A prefix-matching `to_tsquery('simple', …)` for what a person typed: every word must match
 * the start of a name, email or phone token ('ann le' → `'ann':* & 'le':*`). Null if nothing
 * searchable is left.
 */
export function clientSearchQuery(input: string): string | null {
  const terms = input
    .toLowerCase()
    .split(/\s+/)
    .map((w) => w.replace(/[^\p{L}\p{N}@._+-]/gu, ''))
    .filter((w) => w !== '');
  return terms.length === 0 ? null : terms.map((w) => `'${w}':*`).join(' & ');
}

/** Clients of the store matching `input` (names, email, phone), by last then first name. */
export async function searchClients(
  sql: Sql,
  storeId: string,
  input: string,
  limit = 50,
): Promise<ClientRow[]> {
  const query = clientSearchQuery(input);
  if (query === null || !isUuid(storeId)) return [];
  const res = await sql.query<{ data: ClientRow }>(
    `select s as data from search_clients($1, to_tsquery('simple', $2), $3::int) s`,
    [storeId, query, limit],
  );
  return res.rows.map((r) => r.data);
}

/** Clients whose phone digits start (or end) with the digits given ('4567', '(555) 12'). */
export async function findClientsByPhoneDigits(
  sql: Sql,
  storeId: string,
  input: string,
  match: 'prefix' | 'suffix',
  limit = 50,
): Promise<ClientRow[]> {
  const digits = phoneDigits(input);
  if (digits === null || !isUuid(storeId)) return [];
  const condition =
    match === 'prefix' ? 'starts_with(phone_digits, $2)' : 'starts_with(phone_digits_rev, $2)';
  const res = await sql.query<{ data: ClientRow }>(
    `select data from clients where store_id = $1 and not deleted and ${condition}
      order by last_name, first_name, id limit $3::int`,
    [storeId, match === 'prefix' ? digits : [...digits].reverse().join(''), limit],
  );
  return res.rows.map((r) => r.data);
}
