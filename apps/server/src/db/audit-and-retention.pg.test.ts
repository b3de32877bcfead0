import { expect, it } from 'vitest';
import { readChangesSince, ResyncRequiredError } from './entity-store';
import { purgeTombstones } from './jobs';
import { describeEachEngine } from './test-support/engines';
import { contextOf, createTenant, mutate, sampleRows } from './test-support/fixtures';

interface AuditRow {
  table_name: string;
  row_id: string;
  operation: string;
  store_id: string | null;
  user_id: string | null;
  staff_id: string | null;
  device_id: string | null;
  old_data: Record<string, unknown> | null;
  new_data: Record<string, unknown> | null;
  created_at: string;
}

describeEachEngine('audit log and retention', (getDb) => {
  it('an update to a client records old and new data and who did it', async () => {
    const db = getDb();
    const t = await createTenant(db);
    const client = sampleRows(t).client;
    await mutate(db, t, (tx) => tx.put('client', client));
    const { version } = await mutate(db, t, (tx) =>
      tx.put('client', { ...client, lastName: 'Nguyen' }),
    );
    const rows = await db.transaction(contextOf(t), (sql) =>
      sql.query<AuditRow>(
        `select table_name, row_id, operation, store_id, user_id, staff_id, device_id, old_data, new_data, created_at
           from audit_log where table_name = 'clients' and row_id = $1 order by id`,
        [client.id],
      ),
    );
    expect(rows.rows.map((r) => r.operation)).toEqual(['INSERT', 'UPDATE']);
    const update = rows.rows[1];
    expect(update).toMatchObject({
      store_id: t.storeId,
      user_id: t.userId,
      staff_id: t.staffId,
      device_id: t.deviceId,
      old_data: { last_name: 'Lee', data: { lastName: 'Lee' } },
      new_data: { last_name: 'Nguyen', version, data: { lastName: 'Nguyen' } },
    });
    expect(update?.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(update?.new_data).not.toHaveProperty('search'); // derived columns are left out
  });

  it('records deletes and tombstones, leaves secrets out, skips pure sync bookkeeping', async () => {
    const db = getDb();
    const t = await createTenant(db);
    const staff = sampleRows(t).staff;
    await mutate(db, t, (tx) => tx.put('staff', staff));
    await mutate(db, t, (tx) => tx.delete('staff', staff.id));
    await db.transaction(contextOf(t), async (sql) => {
      await sql.query('delete from staff_pins where store_id = $1', [t.storeId]);
      await sql.query(
        'update devices set last_mutation_id = 5, last_seen_at = now() where id = $1',
        [t.deviceId],
      );
    });
    const rows = await db.ownerTransaction((sql) =>
      sql.query<AuditRow>(
        `select table_name, row_id, operation, old_data, new_data from audit_log
          where store_id = $1 or (organization_id = $2 and store_id is null) order by id`,
        [t.storeId, t.organizationId],
      ),
    );
    const ops = rows.rows.map((r) => `${r.table_name}:${r.operation}`);
    expect(ops).toContain('staff:UPDATE');
    expect(ops).toContain('staff_pins:DELETE');
    const tombstone = rows.rows.find((r) => r.table_name === 'staff' && r.operation === 'UPDATE');
    expect(tombstone?.new_data).toMatchObject({ deleted: true, data: null });
    // The store's version bumps (one per mutate) and device bookkeeping are not audited.
    expect(ops.filter((o) => o === 'stores:UPDATE' || o === 'devices:UPDATE')).toEqual([]);
    const users = rows.rows.filter((r) => r.table_name === 'users');
    expect(users).toHaveLength(1);
    expect(users[0]?.new_data).not.toHaveProperty('password_hash');
    const pin = rows.rows.find((r) => r.table_name === 'staff_pins');
    expect(pin?.row_id).toBe(`${t.storeId}:${t.staffId}`);
    expect(pin?.new_data).not.toHaveProperty('pin_hash');
  });

  it('the app can neither delete nor rewrite audit rows', async () => {
    const db = getDb();
    const t = await createTenant(db);
    await mutate(db, t, (tx) => tx.put('client', sampleRows(t).client));
    for (const stmt of [
      'delete from audit_log',
      `update audit_log set operation = 'INSERT'`,
      'truncate audit_log',
    ]) {
      await expect(
        db.transaction(contextOf(t), (sql) => sql.query(stmt, [])),
      ).rejects.toMatchObject({ code: '42501' });
    }
  });

  it('purges tombstones every active device has pulled past, and older cursors must resync', async () => {
    const db = getDb();
    const t = await createTenant(db);
    const rows = sampleRows(t);
    const { version: created } = await mutate(db, t, async (tx) => {
      await tx.put('client', rows.client);
      await tx.put('product', rows.product);
    });
    const { version: firstDelete } = await mutate(db, t, (tx) =>
      tx.delete('client', rows.client.id),
    );
    const { version: secondDelete } = await mutate(db, t, (tx) =>
      tx.delete('product', rows.product.id),
    );
    // The device has pulled up to the first deletion only.
    await db.ownerTransaction((sql) =>
      sql.query('update devices set last_pulled_version = $2, last_seen_at = now() where id = $1', [
        t.deviceId,
        firstDelete,
      ]),
    );
    const first = await purgeTombstones(db);
    expect(first.byTable.clients).toBeGreaterThanOrEqual(1);
    const tombstones = () =>
      db.ownerTransaction(async (sql) => {
        const r = await sql.query<{ id: string }>(
          `select id from clients where store_id = $1 and deleted union all
           select id from products where store_id = $1 and deleted`,
          [t.storeId],
        );
        return r.rows.map((x) => x.id);
      });
    expect(await tombstones()).toEqual([rows.product.id]);
    const read = (cursor: number) =>
      db.transaction(contextOf(t), (sql) => readChangesSince(sql, t.storeId, cursor, 100));
    await expect(read(created)).rejects.toBeInstanceOf(ResyncRequiredError);
    await expect(read(created)).rejects.toMatchObject({
      code: 'RESYNC_REQUIRED',
      minKeptVersion: firstDelete,
    });
    expect((await read(firstDelete)).changes.map((c) => [c.id, c.deleted])).toEqual([
      [rows.product.id, true],
    ]);
    expect((await read(0)).changes.some((c) => c.id === rows.client.id)).toBe(false); // hydration is fine

    // A device silent for longer than the window no longer holds tombstones back.
    await db.ownerTransaction((sql) =>
      sql.query(`update devices set last_seen_at = now() - interval '90 days' where id = $1`, [
        t.deviceId,
      ]),
    );
    await purgeTombstones(db, { inactiveDeviceDays: 30 });
    expect(await tombstones()).toEqual([]);
    const minKept = await db.ownerTransaction((sql) =>
      sql.query<{ min_kept_version: number }>('select min_kept_version from stores where id = $1', [
        t.storeId,
      ]),
    );
    expect(minKept.rows[0]?.min_kept_version).toBe(secondDelete);
    // Purging is maintenance: no audit rows for it.
    const audit = await db.ownerTransaction((sql) =>
      sql.query<{ n: number }>(
        `select count(*) as n from audit_log where row_id = $1 and operation = 'DELETE'`,
        [rows.client.id],
      ),
    );
    expect(audit.rows[0]?.n).toBe(0);
  });
});
