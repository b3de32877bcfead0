import { randomUUID } from 'node:crypto';
import type { PokeDelta, PullResponse } from '@mango/protocol';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createInProcessBus, type EventBus } from '../bus/event-bus';
import { describeEachEngine } from '../db/test-support/engines';
import { POKE_DELTA_MAX_BYTES } from '../routes/sync';
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
import { openVersionEvents } from '../test-support/version-events';

/** The in-process bus, keeping what was published. */
function recordingBus() {
  const inner = createInProcessBus();
  const published: { storeId: string; version: number; delta: PokeDelta | undefined }[] = [];
  const bus: EventBus = {
    async publish(storeId, version, delta) {
      published.push({ storeId, version, delta });
      await inner.publish(storeId, version, delta);
    },
    subscribe: (storeId, listener) => inner.subscribe(storeId, listener),
    close: () => inner.close(),
  };
  return { bus, published };
}

/** `event: version` data of a real SSE response, parsed. */
async function openEventStream(baseUrl: string, store: TestStore) {
  const { events, close } = await openVersionEvents(baseUrl, store);
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  };
  return { events, until, close };
}

async function pulled(app: FastifyInstance, store: TestStore, device: string, cursor: number) {
  const res = await pull(app, store, device, cursor, 1000);
  expect(res.statusCode).toBe(200);
  return json<PullResponse>(res);
}

describeEachEngine('pokes carry the delta', (getDb) => {
  let app: FastifyInstance;
  let baseUrl: string;
  const { bus, published } = recordingBus();
  let store: TestStore;
  let log: MutationLog;
  let reader: string;

  beforeAll(async () => {
    app = await makeTestApp(getDb(), { bus });
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    store = await signupStore(app, 'Delta');
    log = new MutationLog(store.deviceId);
    reader = await registerDevice(app, store.storeId, store.auth);
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(() => {
    published.length = 0;
  });

  async function head(): Promise<PullResponse> {
    return pulled(app, store, reader, 0);
  }

  it('a one-chunk push publishes its rows, equal to what a pull returns for those versions (store row and tombstone too)', async () => {
    const gone = randomUUID();
    expect(
      (
        await push(app, store, store.deviceId, [
          log.make('client.upsert', { id: gone, firstName: 'Gone', lastName: 'Soon' }),
        ])
      ).statusCode,
    ).toBe(200);
    const before = await head();
    published.length = 0;
    const res = await push(app, store, store.deviceId, [
      log.make('client.upsert', { id: randomUUID(), firstName: 'Ada', lastName: 'Delta' }),
      log.make('store.updateSettings', { name: 'Delta Salon', taxRatePpm: 81_250 }),
      log.make('client.delete', { id: gone }),
      // Created and deleted by the same push: never in the database, nor in the delta.
      ...(() => {
        const brief = randomUUID();
        return [
          log.make('client.upsert', { id: brief, firstName: 'Brief', lastName: 'Client' }),
          log.make('client.delete', { id: brief }),
        ];
      })(),
    ]);
    expect(res.statusCode).toBe(200);
    expect(published).toHaveLength(1);
    const { version, delta } = published[0]!;
    expect(delta).toBeDefined();
    const page = await pulled(app, store, reader, before.cursor);
    expect(page.hasMore).toBe(false);
    expect(delta).toEqual({
      from: before.cursor + 1,
      to: version,
      epoch: page.epoch,
      changes: page.changes,
    });
    expect(page.cursor).toBe(version);
    const kinds = delta!.changes.map((c) => `${c.entity}:${c.deleted}`).sort();
    expect(kinds).toEqual(['client:false', 'client:true', 'store:false']);
  });

  it('a push of several chunks, or one too big, pokes without rows', async () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      log.make('client.upsert', { id: randomUUID(), firstName: `Many${i}`, lastName: 'Chunks' }),
    );
    expect((await push(app, store, store.deviceId, many)).statusCode).toBe(200);
    expect(published).toHaveLength(1);
    expect(published[0]!.delta).toBeUndefined();

    published.length = 0;
    const notes = 'x'.repeat(500);
    const big = Array.from({ length: 40 }, (_, i) =>
      log.make('client.upsert', { id: randomUUID(), firstName: `Big${i}`, lastName: 'N', notes }),
    );
    expect(40 * notes.length).toBeGreaterThan(POKE_DELTA_MAX_BYTES);
    expect((await push(app, store, store.deviceId, big)).statusCode).toBe(200);
    expect(published).toHaveLength(1);
    expect(published[0]!.delta).toBeUndefined();
    expect(published[0]!.version).toBe((await head()).cursor);
  });

  it('the event stream sends the delta to the streams of its store only', async () => {
    const other = await signupStore(app, 'Elsewhere');
    const mine = await openEventStream(baseUrl, store);
    const theirs = await openEventStream(baseUrl, other);
    await mine.until(() => mine.events.length >= 1);
    await theirs.until(() => theirs.events.length >= 1);
    // On connect: the version alone.
    expect(Object.keys(mine.events[0]!)).toEqual(['version']);
    const start = mine.events[0]!.version as number;
    const id = randomUUID();
    await push(app, store, store.deviceId, [
      log.make('client.upsert', { id, firstName: 'Streamed', lastName: 'Row' }),
    ]);
    await mine.until(() => mine.events.length >= 2);
    const poke = mine.events[1]!;
    expect(poke).toMatchObject({ version: start + 1, from: start + 1 });
    expect(poke.changes).toEqual((await pulled(app, store, reader, start)).changes);
    expect((poke.changes as { id: string }[]).map((c) => c.id)).toEqual([id]);
    // Give a stray poke time to arrive: the other store's stream has its connect event only.
    await new Promise((r) => setTimeout(r, 100));
    expect(theirs.events).toHaveLength(1);
    expect(Object.keys(theirs.events[0]!)).toEqual(['version']);
    mine.close();
    theirs.close();
  });
});
