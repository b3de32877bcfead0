/// <reference lib="dom" />
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { launchChromium } from '../../test-support/browser';
import { machineInfo, writeResult } from '../loadgen/src/results';

/**
 * `node --import tsx tools/bench/idb-batches.ts`: what one IndexedDB batch of a first sync costs
 * in headless Chromium on this machine, without the app around it. The two object stores of the
 * device's local copy as packages/sync-client/src/local-db.ts declares them (`server`: key
 * [e, id], index g; `view`: key [e, id], multiEntry index ix), ticket-like rows (~800 B, six
 * index keys), written in one readwrite transaction per batch, for several batch sizes; and the
 * same into `server` alone (what the view costs). Rows/s per configuration, a fresh database each.
 */

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '40000' },
    batches: { type: 'string', default: '1000,4000,16000' },
    inflight: { type: 'string', default: '1' },
    layouts: { type: 'string', default: 'indexed,copy,none,one-g,one-g-4ix,one-4ix' },
  },
});
const ROWS = Number(values.rows);
const SIZES = (values.batches ?? '').split(',').map(Number);
/**
 * 'indexed': the v3 layout as the app wrote it (server + view with its multiEntry index);
 * 'copy': the view's rows without index keys (what the second copy costs apart from its index);
 * 'none': the server store alone; 'one…': the v4 layout, the view alone (its row carries v and g,
 * no server copy) — 'one-g' with the index on g, '-4ix' / '-2ix' with the first four / two index
 * keys of a row instead of six (the device's index without DEVICE_UNINDEXED_FIELDS: a ticket
 * keeps four). 'pack-N': N rows a record with their four index keys and id; '-noix' none;
 * '-v5' / '-v6' (session 11) ticket packs as schema v5 / v6 key them, with a year of random
 * dates (a closing time and business date on one of 365 days, ~180 distinct a pack): v5 status,
 * client, exact closing time and date; v6 status and the months of both, the clients as one
 * posting record per batch ((client, id) pairs, no index entry).
 */
const LAYOUT = /^(indexed|copy|none|one(-g)?(-([0-6])ix)?|pack-\d+(-noix|-v5|-v6)?)$/;
/** Batches written at once: 1 = each transaction awaited before the next is issued. */
const INFLIGHT = Math.max(1, Number(values.inflight));
const CHOSEN = (values.layouts ?? '').split(',').filter((l) => LAYOUT.test(l));

interface Run {
  batchRows: number;
  view: string;
  inflight: number;
  rows: number;
  ms: number;
  rowsPerSecond: number;
  batchMsP50: number;
}

async function main() {
  // IndexedDB needs an origin: a blank page from a local server.
  const server = http.createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>idb</title>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const browser = await launchChromium();
  const runs: Run[] = [];
  try {
    const context = await browser.newContext();
    await context.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    for (const view of CHOSEN) {
      for (const batchRows of SIZES) {
        const run = await page.evaluate(
          async ({ rows, batchRows, view, inflight }) => {
            const name = `idb-bench-${batchRows}-${view}-${Date.now()}`;
            const db = await new Promise<IDBDatabase>((resolve, reject) => {
              const req = indexedDB.open(name, 1);
              req.onupgradeneeded = () => {
                const s = req.result.createObjectStore('server', { keyPath: ['e', 'id'] });
                s.createIndex('g', 'g');
                const v = req.result.createObjectStore('view', { keyPath: ['e', 'id'] });
                v.createIndex('ix', 'ix', { multiEntry: true });
                if (view.startsWith('one-g')) v.createIndex('g', 'g');
                const p = req.result.createObjectStore('pack', { keyPath: ['e', 'p'] });
                p.createIndex('ix', 'ix', { multiEntry: true });
                p.createIndex('g', 'g');
                req.result.createObjectStore('posting', { keyPath: ['e', 'f', 'k'] });
              };
              req.onsuccess = () => resolve(req.result);
              req.onerror = () => reject(req.error);
            });
            const row = (i: number) => {
              const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
              // A year of history in random order (ids are random): the day of row i.
              const day = new Date(1_750_000_000_000 + ((i * 7919) % 365) * 86_400_000);
              const random = view.endsWith('-v5') || view.endsWith('-v6');
              const d = {
                id,
                number: `A-${i}`,
                status: 'closed',
                clientId: `10000000-0000-4000-8000-${String(i % 20000).padStart(12, '0')}`,
                appointmentId: null,
                businessDate: random
                  ? day.toISOString().slice(0, 10)
                  : `2026-${String(1 + (i % 12)).padStart(2, '0')}-15`,
                closedAt: random
                  ? new Date(day.getTime() + (i % 600) * 60_000).toISOString()
                  : new Date(1_780_000_000_000 + i * 60_000).toISOString(),
                openedAt: new Date(1_780_000_000_000 + i * 60_000 - 3_600_000).toISOString(),
                subtotalCents: 4500 + (i % 100),
                taxCents: 360,
                tipCents: 500,
                totalCents: 5360 + (i % 100),
                staffId: '20000000-0000-4000-8000-000000000001',
                note: 'Gel manicure, regular client, prefers the window seat',
                deviceId: '30000000-0000-4000-8000-000000000001',
              };
              const ix = [
                ['ticket', 'status', d.status],
                ['ticket', 'clientId', d.clientId],
                ['ticket', 'closedAt', d.closedAt],
                ['ticket', 'businessDate', d.businessDate],
                ['ticket', 'appointmentId', []],
                ['ticket', 'number', d.number],
              ];
              return {
                server: { e: 'ticket', id, v: i, g: 1, d },
                view: { e: 'ticket', id, d, ix },
              };
            };
            const single = view.startsWith('one');
            const packRows = view.startsWith('pack') ? Number(view.split('-')[1]) : 0;
            const ixKeys = Number(/-(\d)ix$/.exec(view)?.[1] ?? 6);
            const times: number[] = [];
            const pending: Promise<void>[] = [];
            const started = performance.now();
            for (let from = 0; from < rows; from += batchRows) {
              const batch = Array.from({ length: Math.min(batchRows, rows - from) }, (_, k) =>
                row(from + k),
              );
              const t0 = performance.now();
              const written = new Promise<void>((resolve, reject) => {
                const tx = db.transaction(
                  packRows > 0
                    ? ['pack', 'posting']
                    : view === 'none'
                      ? ['server']
                      : single
                        ? ['view']
                        : ['server', 'view'],
                  'readwrite',
                );
                if (packRows > 0) {
                  // Many rows a record: their index keys (4 a row, and the id) on the record.
                  const p = tx.objectStore('pack');
                  const keysOf = (d: (typeof batch)[number]['server']['d']): unknown[][] =>
                    view.endsWith('-v5')
                      ? [
                          ['ticket', 'status', d.status],
                          ['ticket', 'clientId', d.clientId],
                          ['ticket', 'closedAt', d.closedAt],
                          ['ticket', 'businessDate', d.businessDate],
                        ]
                      : [
                          ['ticket', 'status', d.status],
                          ['ticket', 'closedAt', d.closedAt.slice(0, 7)],
                          ['ticket', 'businessDate', d.businessDate.slice(0, 7)],
                        ];
                  if (view.endsWith('-v6')) {
                    tx.objectStore('posting').put({
                      e: 'ticket',
                      f: 'clientId',
                      k: `d${batch[0]!.server.id}`,
                      pairs: batch.flatMap((r) => [r.server.d.clientId, r.server.id]),
                    });
                  }
                  for (let k = 0; k < batch.length; k += packRows) {
                    const part = batch.slice(k, k + packRows);
                    const distinct = new Map<string, unknown[]>();
                    if (view.endsWith('-v5') || view.endsWith('-v6'))
                      for (const r of part)
                        for (const key of keysOf(r.server.d))
                          distinct.set(JSON.stringify(key), key);
                    const ix = view.endsWith('noix')
                      ? []
                      : distinct.size > 0
                        ? [...distinct.values()]
                        : part.flatMap((r) => [
                            ['ticket', '', r.server.id],
                            ...r.view.ix.slice(0, 4),
                          ]);
                    p.put({
                      e: 'ticket',
                      p: part[0]!.server.id,
                      g: 1,
                      ix,
                      rows: part.map((r) => ({ id: r.server.id, v: r.server.v, d: r.server.d })),
                    });
                  }
                  tx.oncomplete = () => {
                    times.push(performance.now() - t0);
                    resolve();
                  };
                  tx.onerror = () => reject(tx.error);
                  return;
                }
                const s = single ? null : tx.objectStore('server');
                const v = view === 'none' ? null : tx.objectStore('view');
                for (const r of batch) {
                  s?.put(r.server);
                  if (view === 'copy') v?.put({ ...r.view, ix: [] });
                  else if (single)
                    v?.put({ ...r.view, v: r.server.v, g: 1, ix: r.view.ix.slice(0, ixKeys) });
                  else v?.put(r.view);
                }
                tx.oncomplete = () => {
                  times.push(performance.now() - t0);
                  resolve();
                };
                tx.onerror = () => reject(tx.error);
              });
              // Up to `inflight` transactions issued before the oldest one commits.
              pending.push(written);
              if (pending.length >= inflight) await pending.shift();
            }
            await Promise.all(pending);
            const ms = performance.now() - started;
            db.close();
            indexedDB.deleteDatabase(name);
            times.sort((a, b) => a - b);
            return {
              batchRows,
              view,
              inflight,
              rows,
              ms: Math.round(ms),
              rowsPerSecond: Math.round((rows / ms) * 1000),
              batchMsP50: Math.round(times[Math.floor(times.length / 2)] ?? 0),
            };
          },
          { rows: ROWS, batchRows, view, inflight: INFLIGHT },
        );
        process.stderr.write(`${JSON.stringify(run)}\n`);
        runs.push(run);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  const load = (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim();
  writeResult('idb-batches', { machine: machineInfo(), loadavg: load, runs });
}

main().catch((e: unknown) => {
  process.stderr.write(`idb-batches failed: ${String(e)}\n`);
  process.exit(1);
});
