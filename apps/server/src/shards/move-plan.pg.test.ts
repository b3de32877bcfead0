import { expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import { planOf } from './move-shards';

describeEachEngine('the shard schema can be moved by logical replication', (getDb) => {
  it('finds every tenant table by a column in its replica identity, or publishes it for inserts', async () => {
    const plans = await getDb().ownerTransaction((sql) =>
      // A table added by a later migration that the app updates in place, found by a column
      // outside its replica identity, makes this throw MOVE_SCHEMA_UNSUPPORTED.
      planOf({
        query: async <R>(text: string, params?: unknown[]) =>
          (await sql.query<R>(text, params)).rows,
        end: async () => undefined,
      }),
    );
    const by = Object.fromEntries(plans.map((p) => [p.name, `${p.column}/${p.publish}`]));
    expect(by).toMatchObject({
      organizations: 'id/all',
      stores: 'id/all',
      users: 'organization_id/all',
      devices: 'organization_id/all',
      refresh_tokens: 'user_id/all',
      clients: 'store_id/all',
      tickets: 'store_id/all',
      email_outbox: 'store_id/all',
      audit_log: 'organization_id/insert',
      push_audit: 'organization_id/insert',
      client_errors: 'store_id/insert',
      online_booking_tokens: 'store_id/insert',
    });
    expect(by).not.toHaveProperty('schema_migrations');
    // Parents before children: the rows are deleted in reverse.
    const order = plans.map((p) => p.name);
    expect(order.indexOf('organizations')).toBeLessThan(order.indexOf('stores'));
    expect(order.indexOf('stores')).toBeLessThan(order.indexOf('devices'));
    expect(order.indexOf('users')).toBeLessThan(order.indexOf('refresh_tokens'));
  });
});
