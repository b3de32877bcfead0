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
  changes: { entity: string; id: string; version: number }[];
}

/** The tables a pull's page statement read (its `from <table>` clauses). */
function tablesRead(statement: string): string[] {
  return [...statement.matchAll(/\bfrom (\w+) (?:s )?where (?:s\.id|store_id) = \$1/g)]
    .map((m) => m[1]!)
    .sort();
}

describeEachEngine('a pull reads only the tables the pushes since its cursor wrote', (getDb) => {
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
    let cursor = (await pullPage(0)).cursor;
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

  it('reads every table when a version was written by something other than a push', async () => {
    const cursor = (await pullPage(0)).cursor;
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
    const cursor = (await pullPage(0)).cursor;
    await pushOk([
      log.make('client.upsert', { id: randomUUID(), firstName: 'Di', lastName: 'Ho' }),
    ]);
    const { tables } = await pageStatementOf(cursor);
    expect(tables).toEqual(['clients']);
    const union = statements.find((s) => /as entity/.test(s)) ?? '';
    expect(union).toMatch(/version <= \$4/);
  });

  it('after the retention job deletes old entries, a pull from before reads every table', async () => {
    const cursor = (await pullPage(0)).cursor;
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
    const { page, tables } = await pageStatementOf(cursor);
    expect(tables.length).toBeGreaterThan(10);
    expect(page.changes.map((c) => `${c.entity}:${c.id}`)).toEqual([`client:${clientId}`]);
    await expect(purgeSyncChanges(getDb(), { keepDays: 0 })).rejects.toThrow(/keepDays/);
  });
});
