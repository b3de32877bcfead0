/**
 * Bench: what compressing a pull page saves and costs (apps/server/src/http/compression.ts).
 * A store on in-memory PGlite gets staff, services, clients and appointments through the push
 * route; one full pull page (1,000 changes, the default limit) is read as a device reads it,
 * without compression, with gzip and with brotli, and a quiet pull (the hottest path) is checked
 * to go uncompressed. Then the page's body is compressed and decompressed on its own, many
 * times, for the CPU per page of each level. Writes bench/results/pull-compression.latest.json.
 *
 *   node --import tsx tools/bench/pull-compression.ts [--clients 1500] [--repeat 200]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  gunzipSync,
  gzipSync,
  type BrotliOptions,
  type ZlibOptions,
} from 'node:zlib';
import { DEFAULT_PULL_LIMIT } from '@mango/protocol';
import { openPgliteDb } from '../../apps/server/src/db/db-pglite';
import { migrate } from '../../apps/server/src/db/migrate';
import { LARGE_ANSWER } from '../../apps/server/src/http/compression';
import {
  makeTestApp,
  MutationLog,
  push,
  signupStore,
} from '../../apps/server/src/test-support/test-app';
import { machineInfo, writeResult } from '../loadgen/src/results';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1500' },
    repeat: { type: 'string', default: '200' },
  },
});
const CLIENTS = Number(values.clients);
const REPEAT = Number(values.repeat);

const db = await openPgliteDb();
await migrate(db);
const app = await makeTestApp(db);
const store = await signupStore(app, 'Compression bench');
const log = new MutationLog(store.deviceId);
const staff = Array.from({ length: 12 }, (_, i) => ({ id: randomUUID(), name: `Technician ${i}` }));
const services = Array.from({ length: 24 }, (_, i) => ({ id: randomUUID(), name: `Service ${i}` }));
const mutations = [
  ...staff.map((s) =>
    log.make('staff.upsert', { id: s.id, displayName: s.name, role: 'technician', active: true }),
  ),
  ...services.map((s, i) =>
    log.make('service.upsert', {
      id: s.id,
      name: s.name,
      durationMin: 30 + (i % 4) * 15,
      priceCents: 2500 + i * 250,
      taxable: i % 2 === 0,
    }),
  ),
  ...Array.from({ length: CLIENTS }, (_, i) =>
    log.make('client.upsert', {
      id: randomUUID(),
      firstName: `Client${i}`,
      lastName: `Family${i % 97}`,
      phone: `+1 212 555 ${String(1000 + (i % 9000)).padStart(4, '0')}`,
      email: `client${i}@example.com`,
      ...(i % 5 === 0 ? { notes: 'Prefers short almond nails, no cuticle oil.' } : {}),
    }),
  ),
];
for (let at = 0; at < mutations.length; at += 500) {
  const res = await push(app, store, store.deviceId, mutations.slice(at, at + 500));
  if (res.statusCode !== 200) throw new Error(`seed push: ${res.statusCode} ${res.body}`);
}

const pullUrl = (cursor: number) =>
  `/api/v1/stores/${store.storeId}/sync/pull?deviceId=${store.deviceId}&cursor=${cursor}&limit=${DEFAULT_PULL_LIMIT}`;
const pullAs = (acceptEncoding: string, cursor = 0) =>
  app.inject({
    method: 'GET',
    url: pullUrl(cursor),
    headers: { ...store.auth, 'accept-encoding': acceptEncoding },
  });

const plain = await pullAs('identity');
const body = plain.rawPayload;
const page = JSON.parse(body.toString()) as { changes: unknown[]; cursor: number };
const wire: Record<string, { contentEncoding: string | null; bytes: number }> = {};
for (const accept of ['identity', 'gzip', 'br', 'gzip, deflate, br, zstd']) {
  const res = await pullAs(accept);
  wire[accept] = {
    contentEncoding: (res.headers['content-encoding'] as string | undefined) ?? null,
    bytes: res.rawPayload.length,
  };
}
// Caught up: the heads answer without the database, and the answer stays uncompressed.
let cursor = page.cursor;
for (;;) {
  const next = JSON.parse((await pullAs('identity', cursor)).body) as {
    cursor: number;
    hasMore: boolean;
  };
  cursor = next.cursor;
  if (!next.hasMore) break;
}
const quiet = await pullAs('gzip, deflate, br, zstd', cursor);
/**
 * CPU of a quiet pull through app.inject as a browser asks it (the compression hook negotiates,
 * measures and lets it go) against one that skips the hook at its first check
 * (`x-no-compression`): the difference is what the hook costs the hottest path.
 */
async function quietPullCpuUs(headers: Record<string, string>): Promise<number> {
  const n = REPEAT * 20;
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++)
    await app.inject({
      method: 'GET',
      url: pullUrl(cursor),
      headers: { ...store.auth, ...headers },
    });
  const used = process.cpuUsage(start);
  return Number(((used.user + used.system) / n).toFixed(1));
}
const browserAccept = { 'accept-encoding': 'gzip, deflate, br, zstd' };
await quietPullCpuUs(browserAccept); // warm-up
const quietPull = {
  bytes: quiet.rawPayload.length,
  contentEncoding: (quiet.headers['content-encoding'] as string | undefined) ?? null,
  cpuUsThroughHook: await quietPullCpuUs(browserAccept),
  cpuUsSkippingHook: await quietPullCpuUs({ ...browserAccept, 'x-no-compression': '1' }),
};

/** CPU (user + system) per call, in microseconds, over REPEAT calls. */
function cpuPerCall(fn: () => unknown): number {
  fn();
  const start = process.cpuUsage();
  for (let i = 0; i < REPEAT; i++) fn();
  const used = process.cpuUsage(start);
  return Math.round((used.user + used.system) / REPEAT);
}

const brotli = (quality: number): BrotliOptions => ({
  params: {
    [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    [constants.BROTLI_PARAM_QUALITY]: quality,
  },
});
const codecs: { name: string; compress: () => Buffer; decompress: (b: Buffer) => Buffer }[] = [
  ...[1, 6, 9].map((level) => {
    const options: ZlibOptions = { level };
    return {
      name: `gzip ${level}`,
      compress: () => gzipSync(body, options),
      decompress: (b: Buffer) => gunzipSync(b),
    };
  }),
  ...[1, 4, 6, 11].map((quality) => ({
    name: `br ${quality}`,
    compress: () => brotliCompressSync(body, brotli(quality)),
    decompress: (b: Buffer) => brotliDecompressSync(b),
  })),
];
const levels = codecs.map((c) => {
  const compressed = c.compress();
  return {
    codec: c.name,
    bytes: compressed.length,
    ratio: Number((body.length / compressed.length).toFixed(1)),
    compressUsPerPage: cpuPerCall(c.compress),
    decompressUsPerPage: cpuPerCall(() => c.decompress(compressed)),
  };
});
const serialize = cpuPerCall(() => JSON.stringify(page));

const result = {
  measuredAt: new Date().toISOString(),
  machine: machineInfo(),
  engine: 'pglite',
  page: { changes: page.changes.length, rawBytes: body.length, serializeUsPerPage: serialize },
  chosen: {
    threshold: LARGE_ANSWER.threshold,
    encodings: LARGE_ANSWER.encodings,
    brotliOptions: LARGE_ANSWER.brotliOptions,
    zlibOptions: LARGE_ANSWER.zlibOptions,
  },
  wire,
  quietPull,
  levels,
  repeat: REPEAT,
};
const { latest } = writeResult('pull-compression', result);
console.log(
  `pull page: ${page.changes.length} changes, ${body.length} B raw; on the wire: ${Object.entries(
    wire,
  )
    .map(([k, v]) => `${k} → ${v.contentEncoding ?? 'none'} ${v.bytes} B`)
    .join('; ')}`,
);
console.log(
  `quiet pull: ${quietPull.bytes} B, encoding ${quietPull.contentEncoding ?? 'none'}; CPU per quiet pull through app.inject ${quietPull.cpuUsThroughHook} µs (${quietPull.cpuUsSkippingHook} µs skipping the compression hook)`,
);
for (const l of levels)
  console.log(
    `${l.codec.padEnd(8)} ${String(l.bytes).padStart(8)} B  ×${l.ratio}  compress ${l.compressUsPerPage} µs  decompress ${l.decompressUsPerPage} µs`,
  );
console.log(`JSON.stringify of the page: ${serialize} µs. Written: ${latest}`);
await app.close();
await db.close();
