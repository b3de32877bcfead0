import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EntityRows } from '../../../../packages/domain/src/entities';
import { createSqlMutatorTx } from '../db/entity-store';
import { purgeSyncChanges } from '../db/jobs';
import { recordingDb } from '../test-support/recording-db';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  pull,
  push,
  registerDevice,
  signupStore,
  type TestStore,
} from '../test-support/test-app';

interface Page {
  cursor: number;
  hasMore: boolean;
  changes: { entity: string; id: string; version: number; data: Record<string, unknown> | null }[];
}

/** The tables a pull's page statement read (its `from <table>` clauses). */
function tablesRead(statement: string): string[] {
  return [...statement.matchAll(/\bfrom (\w+) (?:s )?where (?:s\.id|store_id) = \$1/g)]
    .map((m) => m[1]!)
    .sort();
}

describeEachEngine('a pull reads the rows the pushes since its cursor wrote, by key', (getDb) => {
  let app: FastifyInstance;
  let statements: string[];
  let store: TestStore;
  let reader: string; // the device that pulls
  let log: MutationLog;

  const pullPage = async (cursor: number) => {
    const res = await pull(app, store, reader, cursor);
    expect(res.statusCode, res.body).toBe(200);
    return json<Page>(res);
  };
  /** The store's head as a device reaches it: pages from cursor 0 until there are no more. */
  const headCursor = async () => {
    let page = await pullPage(0);
    while (page.hasMore) page = await pullPage(page.cursor);
    return page.cursor;
  };
  /** The page statement of the next pull (the one selecting `as entity`). */
  const pageStatementOf = async (cursor: number) => {
    statements.length = 0;
    const page = await pullPage(cursor);
    const union = statements.filter((s) => /as entity/.test(s));
    expect(union, statements.join('\n---\n')).toHaveLength(1);
    return { page, tables: tablesRead(union[0]!) };
  };
  const pushOk = async (mutations: unknown[]) => {
    const res = await push(app, store, store.deviceId, mutations);
    expect(res.statusCode, res.body).toBe(200);
  };

  beforeAll(async () => {
    const recorded = recordingDb(getDb());
    statements = recorded.statements;
    app = await makeTestApp(recorded.db);
    store = await signupStore(app, 'Logged');
    reader = await registerDevice(app, store.storeId, store.auth);
    log = new MutationLog(store.deviceId);
    await pushOk([
      log.make('client.upsert', { id: randomUUID(), firstName: 'Ana', lastName: 'Diaz' }),
    ]);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('after a push of clients and tickets, reads clients and tickets only', async () => {
    let cursor = await headCursor();
    const clientId = randomUUID();
    const ticketId = randomUUID();
    await pushOk([
      log.make('client.upsert', { id: clientId, firstName: 'Bo', lastName: 'Lee' }),
      log.make('ticket.open', { id: ticketId, clientId }),
    ]);
    const { page, tables } = await pageStatementOf(cursor);
    expect(tables).toEqual(['clients', 'tickets']);
    expect(page.changes.map((c) => `${c.entity}:${c.id}`).sort()).toEqual(
      [`client:${clientId}`, `ticket:${ticketId}`].sort(),
    );
    cursor = page.cursor;
    // The store's settings are the store row: read only when a push changed them.
    await pushOk([log.make('store.updateSettings', { name: 'Logged & Co' })]);
    const settings = await pageStatementOf(cursor);
    expect(settings.tables).toEqual(['stores']);
    expect(settings.page.changes.map((c) => c.entity)).toEqual(['store']);
  });

  it("reads a new store's first pages from cursor 0 by key too: sign-up logs the store row", async () => {
    const fresh = await signupStore(app, 'Fresh');
    const freshLog = new MutationLog(fresh.deviceId);
    const clientId = randomUUID();
    const res = await push(app, fresh, fresh.deviceId, [
      freshLog.make('client.upsert', { id: clientId, firstName: 'Gia', lastName: 'New' }),
    ]);
    expect(res.statusCode, res.body).toBe(200);
    statements.length = 0;
    const first = await pull(app, fresh, fresh.deviceId, 0);
    expect(first.statusCode, first.body).toBe(200);
    const union = statements.filter((s) => /as entity/.test(s));
    expect(union).toHaveLength(1);
    expect(tablesRead(union[0]!)).toEqual(['clients', 'stores']);
    expect(
      json<Page>(first)
        .changes.map((c) => c.entity)
        .sort(),
    ).toEqual(['client', 'store']);
  });

  it('reads every table when a version was written by something other than a push', async () => {
    const cursor = await headCursor();
    // As an admin tool or a seed does: bump the version and write a row, no change log entry.
    const clientId = randomUUID();
    await getDb().transaction(
      { storeId: store.storeId, organizationId: store.organizationId },
      async (sql) => {
        const res = await sql.query<{ version: number }>(
          'update stores set version = version + 1 where id = $1 returning version',
          [store.storeId],
        );
        const row = { id: clientId, firstName: 'Cy', lastName: 'Ng' } as EntityRows['client'];
        await createSqlMutatorTx(sql, {
          storeId: store.storeId,
          version: Number(res.rows[0]!.version),
        }).put('client', row);
      },
    );
    const ticketId = randomUUID();
    await pushOk([log.make('ticket.open', { id: ticketId })]);
    const { page, tables } = await pageStatementOf(cursor);
    expect(tables.length).toBeGreaterThan(10); // the full query
    expect(page.changes.map((c) => `${c.entity}:${c.id}`).sort()).toEqual(
      [`client:${clientId}`, `ticket:${ticketId}`].sort(),
    );
    // From after that version on, the log covers again.
    await pushOk([log.make('ticket.void', { ticketId, reason: 'test' })]);
    const next = await pageStatementOf(page.cursor);
    expect(next.tables).toEqual(['tickets']);
  });

  it("does not read past the store version it read: a page never skips another table's rows", async () => {
    // A push committing between the pull's two statements has versions above the one read
    // with the log; the page stops at that version, and the next pull brings the rest.
    const cursor = await headCursor();
    await pushOk([
      log.make('client.upsert', { id: randomUUID(), firstName: 'Di', lastName: 'Ho' }),
    ]);
    const { tables } = await pageStatementOf(cursor);
    expect(tables).toEqual(['clients']);
    const union = statements.find((s) => /as entity/.test(s)) ?? '';
    expect(union).toMatch(/version <= \$3/);
  });

  it('reads the rows by primary key, in pages that never split a push', async () => {
    let cursor = await headCursor();
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    // Two pushes: two clients, then a third client and a fix to the first.
    await pushOk([
      log.make('client.upsert', { id: ids[0], firstName: 'Fa', lastName: 'One' }),
      log.make('client.upsert', { id: ids[1], firstName: 'Fa', lastName: 'Two' }),
    ]);
    await pushOk([
      log.make('client.upsert', { id: ids[2], firstName: 'Fa', lastName: 'Three' }),
      log.make('client.upsert', { id: ids[0], firstName: 'Fa', lastName: 'Uno' }),
    ]);
    statements.length = 0;
    const first = await pull(app, store, reader, cursor, 2);
    expect(first.statusCode, first.body).toBe(200);
    const page1 = json<Page>(first);
    const union = statements.find((s) => /as entity/.test(s)) ?? '';
    expect(union).toMatch(/id = any\(\$4::uuid\[\]\)/);
    expect(union).not.toMatch(/order by version limit/);
    // The first push's rows only (2 ids fit the limit); the first client's later write is not
    // in this page's versions: it comes with the second push.
    expect(page1.hasMore).toBe(true);
    expect(page1.changes.map((c) => c.id)).toEqual([ids[1]]);
    cursor = page1.cursor;
    const page2 = await pullPage(cursor);
    expect(page2.hasMore).toBe(false);
    expect(page2.changes.map((c) => c.id).sort()).toEqual([ids[0], ids[2]].sort());
    // The rows as they are now.
    expect(page2.changes.find((c) => c.id === ids[0])?.data?.lastName).toBe('Uno');
  });

  it("reads only its own store's row when another store's push used the same id", async () => {
    // Ids are made on devices: a device of another store can send one this store uses. The
    // log's ids are read with the store's key and under its RLS, never across stores.
    const other = await signupStore(app, 'Other');
    const otherLog = new MutationLog(other.deviceId);
    const cursor = await headCursor();
    const shared = randomUUID();
    await pushOk([log.make('client.upsert', { id: shared, firstName: 'Mine', lastName: 'Here' })]);
    const res = await push(app, other, other.deviceId, [
      otherLog.make('client.upsert', { id: shared, firstName: 'Theirs', lastName: 'There' }),
    ]);
    expect(res.statusCode, res.body).toBe(200);
    const page = await pullPage(cursor);
    expect(page.changes.map((c) => [c.id, c.data?.firstName])).toEqual([[shared, 'Mine']]);
    const theirs = await pull(app, other, other.deviceId, 0);
    expect(theirs.statusCode, theirs.body).toBe(200);
    const names = json<Page>(theirs)
      .changes.filter((c) => c.id === shared)
      .map((c) => c.data?.firstName);
    expect(names).toEqual(['Theirs']);
    // And a device of this store cannot pull the other store's log with its token.
    const cross = await pull(app, { storeId: other.storeId, auth: store.auth }, reader, 0);
    expect(cross.statusCode).toBe(403);
  });

  it('after the retention job deletes old entries, a pull from before them must resync', async () => {
    const cursor = await headCursor();
    const clientId = randomUUID();
    await pushOk([log.make('client.upsert', { id: clientId, firstName: 'Eve', lastName: 'Ro' })]);
    expect(await purgeSyncChanges(getDb(), { keepDays: 14 })).toBe(0); // all recent
    await getDb().ownerTransaction(async (sql) => {
      await sql.query(
        "update sync_changes set created_at = now() - interval '15 days' where store_id = $1",
        [store.storeId],
      );
    });
    expect(await purgeSyncChanges(getDb(), { keepDays: 14 })).toBeGreaterThan(0);
    // Without the log, the versions after the cursor cannot be read by key (and the tables have
    // no index on version): the device pushes, then syncs again from the start.
    const res = await pull(app, store, reader, cursor);
    expect(res.statusCode, res.body).toBe(409);
    const body = json<{
      error: { code: string; details: { reason: string; minKeptVersion: number } };
    }>(res);
    expect(body.error).toMatchObject({
      code: 'RESYNC_REQUIRED',
      details: { reason: 'TOMBSTONES_PURGED' },
    });
    // From the newest purged version on, the store answers: here nothing newer.
    const head = body.error.details.minKeptVersion;
    expect(head).toBeGreaterThan(cursor);
    const fresh = await pullPage(head);
    expect(fresh.changes).toEqual([]);
    // And a hydration from 0 still reads everything, the purged versions' rows included.
    const all = await pullPage(0);
    expect(all.changes.map((c) => c.id)).toContain(clientId);
    await expect(purgeSyncChanges(getDb(), { keepDays: 0 })).rejects.toThrow(/keepDays/);
  });
});
