import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  push,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import { rotateSyncEpochs } from './sync-epoch';

interface Page {
  cursor: number;
  epoch: string;
  hasMore: boolean;
}
interface ErrorBody {
  error: { code: string; message: string; details?: { reason?: string } };
}

describeEachEngine('sync epochs: a restored store sends its devices back to cursor 0', (getDb) => {
  let app: FastifyInstance;
  let a: TestStore;
  let b: TestStore;

  const pullWith = (s: TestStore, query: string) =>
    app.inject({
      method: 'GET',
      url: `/api/v1/stores/${s.storeId}/sync/pull?deviceId=${s.deviceId}&${query}`,
      headers: s.auth,
    });
  const lastPulledVersion = async (s: TestStore) =>
    getDb().ownerTransaction(async (sql) => {
      const r = await sql.query<{ v: string }>(
        'select last_pulled_version::text as v from devices where id = $1',
        [s.deviceId],
      );
      return Number(r.rows[0]!.v);
    });

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    a = await signupStore(app, 'EpochA');
    b = await signupStore(app, 'EpochB');
    const log = new MutationLog(a.deviceId);
    const res = await push(app, a, a.deviceId, [
      log.make('client.upsert', { id: randomUUID(), firstName: 'Kim', lastName: 'Tran' }),
    ]);
    expect(res.statusCode).toBe(200);
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers every pull with the store epoch, and the same epoch continues', async () => {
    const first = json<Page>(await pullWith(a, 'cursor=0'));
    expect(first.epoch).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.cursor).toBeGreaterThan(0);
    const next = await pullWith(a, `cursor=${first.cursor}&epoch=${first.epoch}`);
    expect(next.statusCode).toBe(200);
    expect(json<Page>(next)).toMatchObject({ cursor: first.cursor, epoch: first.epoch });
    // Another store has its own epoch.
    expect(json<Page>(await pullWith(b, 'cursor=0')).epoch).not.toBe(first.epoch);
  });

  it('refuses a cursor of another epoch with 409 RESYNC_REQUIRED and changes nothing', async () => {
    const { cursor } = json<Page>(await pullWith(a, 'cursor=0'));
    const before = await lastPulledVersion(a);
    const res = await pullWith(a, `cursor=${cursor}&epoch=${randomUUID()}`);
    expect(res.statusCode).toBe(409);
    const body = json<ErrorBody>(res);
    expect(body.error.code).toBe('RESYNC_REQUIRED');
    expect(body.error.details?.reason).toBe('STORE_RESTORED');
    expect(body.error.message).toMatch(/restored from a backup/);
    expect(await lastPulledVersion(a)).toBe(before);
    // Hydration (cursor 0) is always answerable, whatever epoch the device held.
    expect((await pullWith(a, `cursor=0&epoch=${randomUUID()}`)).statusCode).toBe(200);
  });

  it('refuses a cursor beyond every version the store issued, even without an epoch', async () => {
    const { cursor } = json<Page>(await pullWith(a, 'cursor=0'));
    expect((await pullWith(a, `cursor=${cursor}`)).statusCode).toBe(200);
    const res = await pullWith(a, `cursor=${cursor + 1}`);
    expect(res.statusCode).toBe(409);
    expect(json<ErrorBody>(res).error.details?.reason).toBe('STORE_RESTORED');
  });

  it('answers 400 VALIDATION_FAILED to an epoch that is not a UUID', async () => {
    const res = await pullWith(a, 'cursor=1&epoch=yesterday');
    expect(res.statusCode).toBe(400);
    const body = json<ErrorBody>(res);
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.message).toMatch(/epoch/);
  });

  it("a new epoch for one store leaves other stores' devices syncing", async () => {
    const pageA = json<Page>(await pullWith(a, 'cursor=0'));
    const pageB = json<Page>(await pullWith(b, 'cursor=0'));
    expect(await rotateSyncEpochs(getDb(), a.storeId, app.syncHeads.heads)).toBe(1);
    const staleA = await pullWith(a, `cursor=${pageA.cursor}&epoch=${pageA.epoch}`);
    expect(staleA.statusCode).toBe(409);
    expect(json<ErrorBody>(staleA).error.code).toBe('RESYNC_REQUIRED');
    const freshA = json<Page>(await pullWith(a, 'cursor=0'));
    expect(freshA.epoch).not.toBe(pageA.epoch);
    expect((await pullWith(a, `cursor=${freshA.cursor}&epoch=${freshA.epoch}`)).statusCode).toBe(
      200,
    );
    const stillB = await pullWith(b, `cursor=${pageB.cursor}&epoch=${pageB.epoch}`);
    expect(stillB.statusCode).toBe(200);
    // B's token cannot read A's pull, epoch or not.
    const cross = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${a.storeId}/sync/pull?deviceId=${b.deviceId}&cursor=0&epoch=${freshA.epoch}`,
      headers: b.auth,
    });
    expect(cross.statusCode).toBe(403);
    // Without a store: every store of this database (the whole restored database).
    expect(await rotateSyncEpochs(getDb(), undefined, app.syncHeads.heads)).toBeGreaterThanOrEqual(
      2,
    );
    const staleB = await pullWith(b, `cursor=${pageB.cursor}&epoch=${pageB.epoch}`);
    expect(staleB.statusCode).toBe(409);
  });
});
