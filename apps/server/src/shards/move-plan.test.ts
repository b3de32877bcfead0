import { describe, expect, it } from 'vitest';
import {
  checksumSql,
  disagreements,
  isPastSwitch,
  moveNames,
  planTables,
  publicationStatements,
  rowFilter,
  rowKeysSql,
  sameKeys,
  type CatalogTable,
  type MoveKeys,
} from './move-plan';

const ORG = '11111111-1111-4111-8111-111111111111';
const STORE = '22222222-2222-4222-8222-222222222222';
const USER = '33333333-3333-4333-8333-333333333333';
const keys: MoveKeys = { organizationId: ORG, storeIds: [STORE], userIds: [USER] };

const table = (
  name: string,
  columns: string[],
  primaryKey: string[],
  opts: { full?: boolean; mutable?: boolean } = {},
): CatalogTable => ({
  name,
  columns,
  primaryKey,
  identity: opts.full ? columns : primaryKey,
  mutable: opts.mutable ?? true,
});

const SCHEMA: CatalogTable[] = [
  table('schema_migrations', ['version', 'name'], ['version']),
  table('organizations', ['id', 'name'], ['id']),
  table('stores', ['id', 'organization_id', 'version'], ['id']),
  table('users', ['id', 'organization_id', 'email'], ['id'], { full: true }),
  table('refresh_tokens', ['id', 'user_id'], ['id'], { full: true }),
  table('clients', ['store_id', 'id', 'data'], ['store_id', 'id']),
  table('push_audit', ['store_id', 'organization_id', 'mutations'], [], { mutable: false }),
];
const FKS = [
  { child: 'clients', parent: 'stores' },
  { child: 'stores', parent: 'organizations' },
  { child: 'users', parent: 'organizations' },
  { child: 'refresh_tokens', parent: 'users' },
];

describe('move plan', () => {
  it('finds each tenant table by a column in its replica identity, parents first', () => {
    const plans = planTables(SCHEMA, FKS);
    expect(plans.map((p) => [p.name, p.column, p.publish])).toEqual([
      ['organizations', 'id', 'all'],
      ['stores', 'id', 'all'],
      ['clients', 'store_id', 'all'],
      ['push_audit', 'organization_id', 'insert'],
      ['users', 'organization_id', 'all'],
      ['refresh_tokens', 'user_id', 'all'],
    ]);
  });

  it('refuses a mutable table whose tenant column is outside its replica identity', () => {
    const users = table('users', ['id', 'organization_id'], ['id']);
    expect(() => planTables([users], [])).toThrow(
      expect.objectContaining({ code: 'MOVE_SCHEMA_UNSUPPORTED' }),
    );
    // Append-only, it is published for inserts only.
    expect(planTables([{ ...users, mutable: false }], [])[0]!.publish).toBe('insert');
  });

  it('writes row filters of literal uuids only, and refuses anything else', () => {
    const [, stores] = planTables(SCHEMA, FKS);
    expect(rowFilter(stores!, keys)).toBe(`"id" in ('${STORE}'::uuid)`);
    expect(rowFilter(stores!, { ...keys, storeIds: [] })).toBe('false');
    expect(() => rowFilter(stores!, { ...keys, storeIds: ["x') or true --"] })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });

  it('publishes updatable tables in full and append-only ones for inserts, via their root', () => {
    const names = moveNames(ORG, 'abcdef12-0000-4000-8000-000000000000');
    expect(names.publication).toBe('mango_move_1111111111114111_abcdef12');
    expect(names.publication.length).toBeLessThanOrEqual(63);
    const [all, inserts] = publicationStatements(names, planTables(SCHEMA, FKS), keys);
    expect(all).toContain(`"clients" where ("store_id" in ('${STORE}'::uuid))`);
    expect(all).toContain("publish = 'insert, update, delete', publish_via_partition_root = true");
    expect(all).not.toContain('push_audit');
    expect(inserts).toContain(`"push_audit" where ("organization_id" in ('${ORG}'::uuid))`);
    expect(inserts).toContain("publish = 'insert'");
  });

  it('checks by key: counts and checksums per store, row presence by primary key', () => {
    const plans = planTables(SCHEMA, FKS);
    const clients = plans.find((p) => p.name === 'clients')!;
    expect(checksumSql(clients, keys)).toMatch(/group by 1/);
    expect(rowKeysSql(clients, keys)).toContain('md5(row("store_id", "id")::text)');
    const audit = plans.find((p) => p.name === 'push_audit')!;
    expect(rowKeysSql(audit, keys)).toContain('md5(t::text)');
    const a = [{ table: 'clients', sums: { [STORE]: '3:abc' } }];
    expect(disagreements(a, [{ table: 'clients', sums: { [STORE]: '3:abc' } }])).toEqual([]);
    expect(disagreements(a, [{ table: 'clients', sums: { [STORE]: '2:abd' } }])).toEqual([
      'clients',
    ]);
    expect(disagreements(a, [])).toEqual(['clients']);
  });

  it('compares key lists as sets, and knows which steps are past the switch', () => {
    expect(sameKeys(keys, { ...keys })).toBe(true);
    expect(sameKeys(keys, { ...keys, storeIds: [STORE, ORG] })).toBe(false);
    expect(sameKeys({ ...keys, userIds: [USER, ORG] }, { ...keys, userIds: [ORG, USER] })).toBe(
      true,
    );
    expect(isPastSwitch('synced')).toBe(false);
    expect(isPastSwitch('paused')).toBe(false);
    expect(isPastSwitch('switched')).toBe(true);
  });
});
