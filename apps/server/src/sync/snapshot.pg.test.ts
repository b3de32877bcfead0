import { randomUUID } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { snapshotLineSchema, type SnapshotLine } from '@mango/protocol';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  pullAll,
  push,
  registerDevice,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import type { Db } from '../db/db';
import {
  decodeResumeToken,
  encodeResumeToken,
  SNAPSHOT_PARTS,
  streamSnapshot,
  type SnapshotCommand,
  type SnapshotSink,
} from './snapshot';

const CLIENTS = 450;

function parseLines(body: string): SnapshotLine[] {
  return body
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => snapshotLineSchema.parse(JSON.parse(l)));
}

/** A sink that keeps the lines, can be closed after some chunks and checks one write at a time. */
function collectingSink(opts: { closeAfterChunks?: number } = {}) {
  const lines: SnapshotLine[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let chunks = 0;
  let closed = false;
  const sink: SnapshotSink = {
    open() {},
    get closed() {
      return closed;
    },
    async write(line) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 0)); // a socket that drains later
      inFlight--;
      const parsed = snapshotLineSchema.parse(JSON.parse(String(line)));
      lines.push(parsed);
      if (parsed.type === 'rows' && ++chunks === opts.closeAfterChunks) closed = true;
    },
  };
  return { sink, lines, maxInFlight: () => maxInFlight };
}

/** entity:id → { version, data } of the rows lines, later lines winning. */
function replicaOf(
  lines: SnapshotLine[],
  into = new Map<string, { version: number; data: unknown }>(),
) {
  for (const l of lines) {
    if (l.type !== 'rows') continue;
    for (const r of l.rows) into.set(`${l.entity}:${r.id}`, { version: r.version, data: r.data });
  }
  return into;
}

describeEachEngine('sync snapshot', (getDb: () => Db) => {
  let app: FastifyInstance;
  let store: TestStore;
  let other: TestStore;
  let log: MutationLog;
  let technician: { authorization: string };
  /** Every other way in: a manager's and a front desk's sign-in, a technician switched in by PIN. */
  const others: Record<string, { authorization: string } & Record<string, string>> = {};
  let openTicketId: string;
  let bookedClientId: string; // the open ticket's client
  let closedTicketId: string; // voided today
  /** A ticket voided 60 days ago (an earlier month) and its line: history, packed. */
  const oldTicketId = randomUUID();
  const oldLineId = randomUUID();

  const snapshot = (
    query: string,
    auth: { authorization: string } = store.auth,
    storeId = store.storeId,
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method: 'GET',
      url: `/api/v1/stores/${storeId}/sync/snapshot?${query}`,
      headers: { ...auth, ...headers },
    });
  const cmd = (extra: Partial<SnapshotCommand> = {}): SnapshotCommand => ({
    storeId: store.storeId,
    organizationId: store.organizationId,
    userId: store.session.user.id,
    deviceId: store.deviceId,
    nowMs: Date.now(),
    ...extra,
  });
  const pushOk = async (mutations: unknown[]) => {
    const res = await push(app, store, store.deviceId, mutations);
    expect(res.statusCode, res.body).toBe(200);
    const { results } = json<{ results: { status: string }[] }>(res);
    expect(
      results.filter((r) => r.status !== 'applied'),
      res.body,
    ).toEqual([]);
  };

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    store = await signupStore(app, 'Snap');
    other = await signupStore(app, 'Elsewhere');
    log = new MutationLog(store.deviceId);
    const staffId = randomUUID();
    others['technician switched in by PIN on the owner’s desk'] = {
      ...store.auth,
      'x-mango-acting-staff': staffId,
    };
    const serviceId = randomUUID();
    openTicketId = randomUUID();
    bookedClientId = randomUUID();
    closedTicketId = randomUUID();
    await pushOk([
      log.make('client.upsert', { id: bookedClientId, firstName: 'Booked', lastName: 'Snap' }),
      log.make('staff.upsert', {
        id: staffId,
        displayName: 'Linh',
        role: 'technician',
        active: true,
      }),
      log.make('service.upsert', {
        id: serviceId,
        name: 'Gel Manicure',
        durationMin: 45,
        priceCents: 4000,
        taxable: false,
      }),
      log.make('ticket.open', { id: openTicketId, clientId: bookedClientId }),
      log.make('ticket.addLine', {
        ticketId: openTicketId,
        lineId: randomUUID(),
        kind: 'service',
        itemId: serviceId,
        staffId,
      }),
      log.make('ticket.open', { id: closedTicketId }),
      log.make('ticket.void', { ticketId: closedTicketId, reason: 'test' }),
    ]);
    const longAgo = new Date(Date.now() - 60 * 86_400_000).toISOString();
    await pushOk([
      log.make('ticket.open', { id: oldTicketId }, longAgo),
      log.make(
        'ticket.addLine',
        { ticketId: oldTicketId, lineId: oldLineId, kind: 'service', itemId: serviceId, staffId },
        longAgo,
      ),
      log.make('ticket.void', { ticketId: oldTicketId, reason: 'test' }, longAgo),
    ]);
    for (let i = 0; i < CLIENTS; i += 150) {
      await pushOk(
        Array.from({ length: 150 }, (_, j) =>
          log.make('client.upsert', {
            id: randomUUID(),
            firstName: `C${i + j}`,
            lastName: 'Snap',
          }),
        ),
      );
    }
    const signIn = async (role: 'technician' | 'manager' | 'front_desk') => {
      const email = `${role}-${randomUUID().slice(0, 8)}@example.com`;
      const created = await app.inject({
        method: 'POST',
        url: `/api/v1/stores/${store.storeId}/users`,
        headers: store.auth,
        payload: { email, password: 'correct horse battery', role },
      });
      expect(created.statusCode, created.body).toBe(201);
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: 'correct horse battery' },
      });
      return { authorization: `Bearer ${json<{ accessToken: string }>(login).accessToken}` };
    };
    technician = await signIn('technician');
    others.manager = await signIn('manager');
    others['front desk'] = await signIn('front_desk');
  });
  afterAll(async () => {
    await app.close();
  });

  describe('the stream', () => {
    it('gives every role, and staff switched in by PIN, the same rows as the owner', async () => {
      const owner = replicaOf(parseLines((await snapshot(`deviceId=${store.deviceId}`)).body));
      expect(owner.size).toBeGreaterThan(CLIENTS);
      for (const [who, auth] of Object.entries(others)) {
        const res = await snapshot(`deviceId=${store.deviceId}`, auth);
        expect(res.statusCode, `${who}: ${res.body}`).toBe(200);
        expect(replicaOf(parseLines(res.body)), who).toEqual(owner);
      }
    });

    it('is NDJSON: head, the store first, essentials before the history, an end line; the same rows as a paged pull', async () => {
      const res = await snapshot(`deviceId=${store.deviceId}`, technician);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toContain('application/x-ndjson');
      const lines = parseLines(res.body);
      const head = lines[0];
      expect(head?.type).toBe('head');
      if (head?.type !== 'head') return;
      expect(lines.at(-1)).toEqual({ type: 'end', cursor: head.cursor });
      const first = lines[1];
      expect(first?.type === 'rows' && first.entity).toBe('store');
      const essentialsAt = lines.findIndex((l) => l.type === 'essentials');
      const entityAt = (pred: (l: SnapshotLine) => boolean) => lines.findIndex(pred);
      // The open ticket and its client come before the marker; the voided ticket and the other
      // clients (a store's whole list) after it.
      const ticketLines = lines.flatMap((l, i) =>
        l.type === 'rows' && l.entity === 'ticket' ? l.rows.map((r) => ({ i, r })) : [],
      );
      expect(ticketLines.find((t) => t.r.id === openTicketId)!.i).toBeLessThan(essentialsAt);
      expect(ticketLines.find((t) => t.r.id !== openTicketId)!.i).toBeGreaterThan(essentialsAt);
      const clientRows = lines.flatMap((l, i) =>
        l.type === 'rows' && l.entity === 'client' ? l.rows.map((r) => ({ i, r })) : [],
      );
      const before = clientRows.filter((c) => c.i < essentialsAt).map((c) => c.r.id);
      expect(before).toEqual([bookedClientId]);
      expect(clientRows.length).toBe(CLIENTS + 1);
      // Right after the marker: this month's ended tickets (the voided one), then the clients.
      expect(
        entityAt(
          (l) => l.type === 'rows' && l.entity === 'client' && l.rows[0]?.id !== bookedClientId,
        ),
      ).toBeGreaterThan(ticketLines.find((t) => t.r.id === closedTicketId)!.i);
      expect(head.estimates.client).toBe(CLIENTS + 1);
      expect(head.total).toBeGreaterThanOrEqual(CLIENTS + 6);
      // The history before this month is marked packed (after the marker); the essentials and
      // this month's rows are not: today's voided ticket, the open ticket's line.
      const rowsLines = lines.flatMap((l, i) => (l.type === 'rows' ? [{ i, l }] : []));
      expect(rowsLines.filter(({ i }) => i < essentialsAt).map(({ l }) => l.packed)).toEqual(
        rowsLines.filter(({ i }) => i < essentialsAt).map(() => undefined),
      );
      const packedOf = new Map<string, boolean>();
      for (const { l } of rowsLines)
        if (l.type === 'rows')
          for (const r of l.rows) packedOf.set(`${l.entity}:${r.id}`, l.packed === true);
      expect(packedOf.get(`ticket:${oldTicketId}`)).toBe(true);
      expect(packedOf.get(`ticketLine:${oldLineId}`)).toBe(true);
      expect(packedOf.get(`ticket:${closedTicketId}`)).toBe(false);
      expect(packedOf.get(`ticket:${openTicketId}`)).toBe(false);
      expect(
        [...packedOf].filter(
          ([k, p]) => k.startsWith('ticketLine:') && k !== `ticketLine:${oldLineId}` && p,
        ),
      ).toEqual([]);
      // Every client but the booked one comes packed; rows of one part share a line.
      expect([...packedOf].filter(([k, p]) => k.startsWith('client:') && !p).length).toBe(1);

      const paged = await pullAll(app, store, store.deviceId, 200);
      expect(head.cursor).toBe(paged.cursor);
      expect(head.lastMutationId).toBe(paged.lastMutationId);
      expect(replicaOf(lines)).toEqual(paged.replica);
    });

    it.each([
      ['gzip, deflate', 'gzip', gunzipSync],
      ['gzip, deflate, br', 'br', brotliDecompressSync],
      ['br;q=0, gzip', 'gzip', gunzipSync],
      ['br;q=0, gzip;q=0', undefined, (b: Buffer) => b],
    ] as const)('with Accept-Encoding %s is %s', async (accept, coding, decode) => {
      const res = await snapshot(`deviceId=${store.deviceId}`, store.auth, store.storeId, {
        'accept-encoding': accept,
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBe(coding);
      const lines = parseLines(decode(res.rawPayload).toString('utf8'));
      expect(lines.at(-1)?.type).toBe('end');
      expect(replicaOf(lines)).toEqual(
        replicaOf(parseLines((await snapshot(`deviceId=${store.deviceId}`)).body)),
      );
    });

    it('honours the chunk size and writes one chunk at a time (memory stays flat)', async () => {
      const { sink, lines, maxInFlight } = collectingSink();
      const outcome = await streamSnapshot(getDb(), cmd({ chunkRows: 100 }), sink);
      expect(outcome.complete).toBe(true);
      const chunks = lines.filter((l) => l.type === 'rows');
      expect(Math.max(...chunks.map((l) => l.rows.length))).toBe(100);
      // The booked client is a chunk of its own, before the marker.
      expect(chunks.filter((l) => l.entity === 'client').length).toBe(1 + Math.ceil(CLIENTS / 100));
      expect(maxInFlight()).toBe(1);
    });

    it('stops reading when the client goes away', async () => {
      const { sink, lines } = collectingSink({ closeAfterChunks: 3 });
      const outcome = await streamSnapshot(getDb(), cmd({ chunkRows: 50 }), sink);
      expect(outcome.complete).toBe(false);
      expect(lines.filter((l) => l.type === 'rows').length).toBe(3);
      expect(lines.some((l) => l.type === 'end')).toBe(false);
    });
  });

  describe('resume', () => {
    it('continues after the last chunk received, in a newer state; with the oldest cursor the device converges', async () => {
      const first = collectingSink({ closeAfterChunks: 6 });
      await streamSnapshot(getDb(), cmd({ chunkRows: 50 }), first.sink);
      const head = first.lines[0]!;
      if (head.type !== 'head') throw new Error('no head');
      const lastChunk = first.lines.filter((l) => l.type === 'rows').at(-1)!;
      if (lastChunk.type !== 'rows') throw new Error('no chunk');
      // Another device writes between the parts: a new client and a rename of one already sent.
      const sent = lastChunk.rows[0]!;
      const added = randomUUID();
      await pushOk([
        log.make('client.upsert', { id: added, firstName: 'Late', lastName: 'Comer' }),
        ...(lastChunk.entity === 'client'
          ? [log.make('client.upsert', { id: sent.id, firstName: 'Renamed', lastName: 'Snap' })]
          : []),
      ]);
      const res = await snapshot(
        `deviceId=${store.deviceId}&resume=${lastChunk.resume}&cursor=${head.cursor}&epoch=${head.epoch}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      const rest = parseLines(res.body);
      const restHead = rest[0]!;
      expect(restHead.type === 'head' && restHead.cursor).toBeGreaterThan(head.cursor);
      // No chunk sent before is sent again.
      const firstIds = new Set(replicaOf(first.lines).keys());
      const again = [...replicaOf(rest).keys()].filter(
        (k) => firstIds.has(k) && !k.startsWith('ticketLine:') && !k.startsWith('payment:'),
      );
      expect(again).toEqual([]);
      // Both parts, then a pull from the OLDEST cursor: the server's current state.
      const replica = replicaOf(rest, replicaOf(first.lines));
      // The parts alone miss the rename of a row sent before it (the pull is what brings it).
      expect(lastChunk.entity).toBe('client');
      expect((replica.get(`client:${sent.id}`)?.data as { firstName: string }).firstName).not.toBe(
        'Renamed',
      );
      let cursor = head.cursor;
      for (;;) {
        const page = await app.inject({
          method: 'GET',
          url: `/api/v1/stores/${store.storeId}/sync/pull?deviceId=${store.deviceId}&cursor=${cursor}`,
          headers: store.auth,
        });
        const p = json<{
          cursor: number;
          hasMore: boolean;
          changes: {
            entity: string;
            id: string;
            version: number;
            deleted: boolean;
            data: unknown;
          }[];
        }>(page);
        for (const c of p.changes) {
          if (c.deleted) replica.delete(`${c.entity}:${c.id}`);
          else replica.set(`${c.entity}:${c.id}`, { version: c.version, data: c.data });
        }
        cursor = p.cursor;
        if (!p.hasMore) break;
      }
      expect(replica).toEqual((await pullAll(app, store, store.deviceId)).replica);
      expect(replica.has(`client:${added}`)).toBe(true);
      expect((replica.get(`client:${sent.id}`)?.data as { firstName: string }).firstName).toBe(
        'Renamed',
      );
    });

    it('answers 409 RESYNC_REQUIRED when the store was restored or its tombstones purged', async () => {
      const res0 = await snapshot(`deviceId=${store.deviceId}`);
      const head = parseLines(res0.body)[0]!;
      if (head.type !== 'head') throw new Error('no head');
      const token = encodeResumeToken({ part: 'client', after: '', since: head.since });
      const restored = await snapshot(
        `deviceId=${store.deviceId}&resume=${token}&cursor=${head.cursor}&epoch=${randomUUID()}`,
      );
      expect(restored.statusCode).toBe(409);
      expect(
        json<{ error: { code: string; details: { reason: string } } }>(restored).error,
      ).toMatchObject({
        code: 'RESYNC_REQUIRED',
        details: { reason: 'STORE_RESTORED' },
      });
      const beyond = await snapshot(
        `deviceId=${store.deviceId}&resume=${token}&cursor=${head.cursor + 1000}`,
      );
      expect(beyond.statusCode).toBe(409);
      await getDb().ownerTransaction((sql) =>
        sql.query('update stores set min_kept_version = $2 where id = $1', [
          store.storeId,
          head.cursor + 1,
        ]),
      );
      try {
        const purged = await snapshot(
          `deviceId=${store.deviceId}&resume=${token}&cursor=${head.cursor}&epoch=${head.epoch}`,
        );
        expect(purged.statusCode).toBe(409);
        expect(json<{ error: { details: { reason: string } } }>(purged).error.details.reason).toBe(
          'TOMBSTONES_PURGED',
        );
        // A fresh snapshot is always answerable.
        expect((await snapshot(`deviceId=${store.deviceId}`)).statusCode).toBe(200);
      } finally {
        await getDb().ownerTransaction((sql) =>
          sql.query('update stores set min_kept_version = 0 where id = $1', [store.storeId]),
        );
      }
    });
  });

  describe('bad input and the tenant boundary', () => {
    it('refuses bad tokens and cursors with 400 and a code', async () => {
      const since = new Date().toISOString();
      const cases: [string, string][] = [
        [`resume=${'x'.repeat(20)}&cursor=1`, 'INVALID_RESUME_TOKEN'],
        [
          `resume=${Buffer.from('{"p":"nope","k":"","s":"x"}').toString('base64url')}&cursor=1`,
          'INVALID_RESUME_TOKEN',
        ],
        [
          `resume=${encodeResumeToken({ part: 'client', after: 'not-a-uuid', since })}&cursor=1`,
          'INVALID_RESUME_TOKEN',
        ],
        [`resume=${encodeResumeToken({ part: 'client', after: '', since })}`, 'VALIDATION_FAILED'],
        [
          `resume=${encodeResumeToken({ part: 'client', after: '', since })}&cursor=-1`,
          'VALIDATION_FAILED',
        ],
        ['cursor=3', 'VALIDATION_FAILED'],
        ['resume=a%2Fb&cursor=1', 'INVALID_RESUME_TOKEN'],
      ];
      for (const [query, code] of cases) {
        const res = await snapshot(`deviceId=${store.deviceId}&${query}`);
        expect(res.statusCode, query).toBe(400);
        expect(json<{ error: { code: string } }>(res).error.code, query).toBe(code);
      }
      expect(
        decodeResumeToken(encodeResumeToken({ part: SNAPSHOT_PARTS[3]!.name, after: '', since }))
          .part,
      ).toBe(SNAPSHOT_PARTS[3]!.name);
    });

    it("another store's token or device gets 403 and sees nothing", async () => {
      const foreignToken = await snapshot(`deviceId=${other.deviceId}`, other.auth);
      expect(foreignToken.statusCode).toBe(403);
      expect(foreignToken.body).not.toContain('Snap');
      const foreignDevice = await snapshot(`deviceId=${other.deviceId}`);
      expect(foreignDevice.statusCode).toBe(403);
      expect(json<{ error: { code: string } }>(foreignDevice).error.code).toBe(
        'DEVICE_NOT_REGISTERED',
      );
      // Their own store with our device: refused too.
      const crossed = await snapshot(`deviceId=${store.deviceId}`, other.auth, other.storeId);
      expect(crossed.statusCode).toBe(403);
      expect(crossed.body).not.toContain('Snap');
      const unsigned = await snapshot(`deviceId=${store.deviceId}`, { authorization: '' });
      expect(unsigned.statusCode).toBe(401);
    });

    it('a revoked device is refused', async () => {
      const device = await registerDevice(app, store.storeId, store.auth);
      const revoked = await app.inject({
        method: 'DELETE',
        url: `/api/v1/stores/${store.storeId}/devices/${device}`,
        headers: store.auth,
      });
      expect(revoked.statusCode, revoked.body).toBeLessThan(300);
      const res = await snapshot(`deviceId=${device}`);
      expect(res.statusCode).toBe(403);
      expect(json<{ error: { code: string } }>(res).error.code).toBe('DEVICE_REVOKED');
    });
  });
});
