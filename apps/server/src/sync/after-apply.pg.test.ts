/**
 * `afterApply` (push.ts) adds what must commit with a chunk's mutations or not at all (the desk's
 * e-mails to clients who booked online, the booking page's own records). Its step can fail for
 * good — a defect, or data the database refuses. That must cost the one mutation it was for
 * (rejected, rolled back, reported) and never the push: a 503 would be retried for ever and stop
 * the device's outbox. One by one, the step of each mutation sees that mutation's changes, each
 * row before and after it, as the batched path does.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { MutationResult } from '@mango/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db, Sql } from '../db/db';
import { describeEachEngine } from '../db/test-support/engines';
import { makeTestApp, MutationLog, signupStore, type TestStore } from '../test-support/test-app';
import { pushMutations, type PushCommand } from './push';
import type { RowChange } from './push-overlay';

describeEachEngine('push: afterApply', (getDb) => {
  let app: FastifyInstance;
  let db: Db;
  beforeAll(async () => {
    db = getDb();
    app = await makeTestApp(db);
  });
  afterAll(async () => {
    await app.close();
  });

  function command(store: TestStore, mutations: PushCommand['mutations']): PushCommand {
    return {
      storeId: store.storeId,
      organizationId: store.organizationId,
      deviceId: store.deviceId,
      actor: {
        userId: store.session.user.id,
        staffId: null,
        role: 'owner',
        deviceId: store.deviceId,
      },
      mutations,
    };
  }

  const clientNames = (store: TestStore) =>
    db.ownerTransaction(async (sql) => {
      const res = await sql.query<{ last: string }>(
        `select data->>'lastName' as last from clients where store_id = $1 and not deleted
          order by 1`,
        [store.storeId],
      );
      return res.rows.map((r) => r.last);
    });

  /** Asked for every client a mutation writes; its step fails for good on a client named so. */
  function stepFailingFor(lastName: string, seen: RowChange[][]) {
    return (_results: readonly MutationResult[], changes: readonly RowChange[]) => {
      seen.push([...changes]);
      const poisoned = changes.some(
        (c) =>
          c.entity === 'client' && (c.after as { lastName?: string } | null)?.lastName === lastName,
      );
      return async (sql: Sql) => {
        await sql.query('select 1');
        if (poisoned) throw new Error('the message could not be composed');
      };
    };
  }

  it('a step that fails every time rejects its own mutation, and the push goes on', async () => {
    const store = await signupStore(app, 'AfterApply');
    const log = new MutationLog(store.deviceId);
    const seen: RowChange[][] = [];
    const defects: { id: number; reference: string }[] = [];
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const outcome = await pushMutations(db, {
      ...command(store, [
        log.make('client.upsert', { id: a, firstName: 'Ana', lastName: 'Good' }),
        log.make('client.upsert', { id: b, firstName: 'Bao', lastName: 'Poison' }),
        log.make('client.upsert', { id: c, firstName: 'Cam', lastName: 'Later' }),
      ]),
      afterApply: stepFailingFor('Poison', seen),
      onDefect: (_err, m, reference) => defects.push({ id: m.id, reference }),
    });

    expect(outcome.results.map((r) => (r.status === 'rejected' ? r.error.code : r.status))).toEqual(
      ['applied', 'MUTATION_FAILED', 'applied'],
    );
    expect(outcome.lastMutationId).toBe(3);
    // The rejected mutation's own writes rolled back with its step; the others committed.
    expect(await clientNames(store)).toEqual(['Good', 'Later']);
    // Reported as a defect of ours, with the reference the device is shown.
    const rejected = outcome.results[1];
    const reference =
      rejected?.status === 'rejected'
        ? (rejected.error.details as { reference: string }).reference
        : undefined;
    expect(defects.map((d) => d.reference)).toContain(reference);
    // The batched chunk was asked once with every change, then each mutation alone.
    expect(seen.map((changes) => changes.length)).toEqual([3, 1, 1, 1]);

    // The device sends the same push again (it lost the answer): nothing runs twice.
    const sent = [
      log.make('client.upsert', { id: randomUUID(), firstName: 'Dan', lastName: 'Next' }),
    ];
    const again = await pushMutations(db, {
      ...command(store, [
        {
          id: 1,
          name: 'client.upsert',
          args: { id: a, firstName: 'Ana', lastName: 'Good' },
          clientTime: sent[0]!.clientTime,
        },
        ...sent,
      ]),
      afterApply: stepFailingFor('Poison', []),
    });
    expect(again.results.map((r) => r.status)).toEqual(['duplicate', 'applied']);
    expect(again.lastMutationId).toBe(4);
    expect(await clientNames(store)).toEqual(['Good', 'Later', 'Next']);
  });

  it('one by one, each step sees its mutation’s rows before and after it', async () => {
    const store = await signupStore(app, 'AfterApplyImages');
    const log = new MutationLog(store.deviceId);
    const id = randomUUID();
    await pushMutations(db, {
      ...command(store, [log.make('client.upsert', { id, firstName: 'Ana', lastName: 'First' })]),
    });
    const seen: RowChange[][] = [];
    const outcome = await pushMutations(db, {
      ...command(store, [
        log.make('client.upsert', { id, firstName: 'Ana', lastName: 'Second' }),
        // Fails the batched chunk, so the chunk runs one mutation at a time.
        log.make('client.upsert', { id: randomUUID(), firstName: 'Bao', lastName: 'Poison' }),
        log.make('client.delete', { id }),
      ]),
      afterApply: stepFailingFor('Poison', seen),
    });
    expect(outcome.results.map((r) => r.status)).toEqual(['applied', 'rejected', 'applied']);
    const alone = seen.slice(1);
    const lastNames = (row: unknown) => (row as { lastName?: string } | null)?.lastName ?? null;
    expect(
      alone.map((changes) => changes.map((ch) => [lastNames(ch.before), lastNames(ch.after)])),
    ).toEqual([[['First', 'Second']], [[null, 'Poison']], [['Second', null]]]);
    expect(await clientNames(store)).toEqual([]);
  });
});
