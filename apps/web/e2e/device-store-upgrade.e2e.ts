import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_SCHEMA_VERSION } from '@mango/sync-client';
import { launchChromium } from '../../../test-support/browser';
import { baseUrl } from '../../../test-support/e2e-context';
import { startNetworkSwitch, type NetworkSwitch } from '../../../test-support/e2e-network-switch';
import {
  goOffline,
  newTabletPage,
  pinLock,
  pullEverything,
  signIn,
  signupSeededStore,
  textOf,
  unlock,
  usd,
  waitForServiceWorker,
  type SeededStore,
} from './support';

/**
 * A tablet in the field holds the store in the IndexedDB layout of schema v3 (a full `server`
 * copy beside the `view`) with changes made offline that never reached the server. The new app
 * upgrades it to v5 on its first start (v4: one copy, shadows for pending rows; v5: a table for
 * packed history, empty after the upgrade: packages/sync-client/src/local-db.ts); the offline
 * sale must survive, reach the server exactly once, and the store must still be on screen.
 * fake-indexeddb tests the upgrades' logic; this runs them in Chromium.
 */
describe('device store upgrade v3 → v5 in Chromium', () => {
  let browser: Browser;
  let store: SeededStore;
  let line: NetworkSwitch;
  let context: BrowserContext;
  let page: Page;
  let ticketId = '';

  const checkout = () => page.getByRole('region', { name: 'Checkout' });
  const statusBar = () => page.getByRole('region', { name: 'Sync status' });

  beforeAll(async () => {
    [browser, store, line] = await Promise.all([
      launchChromium(),
      signupSeededStore('store-upgrade'),
      startNetworkSwitch(baseUrl()),
    ]);
    ({ context, page } = await newTabletPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
    await line?.close();
  });

  it('keeps an offline sale through the upgrade and syncs it once', async () => {
    await signIn(page, store, { base: line.url });
    await waitForServiceWorker(page);

    // Offline: a sale the server has not heard of.
    await goOffline(page, context, line);
    await page.getByRole('button', { name: 'New ticket' }).click();
    await checkout().getByRole('button', { name: 'Add Gel Manicure' }).click();
    await expect.poll(() => textOf(page, 'Ticket total')).not.toBe(usd(0));
    ticketId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    const total = await textOf(page, 'Ticket total');

    // The app stops (no tab of it runs), the line comes back, and the database is put back in
    // the v3 layout, as an older app would have left it — from a page of the same origin that
    // the service worker leaves to the network and that opens no database itself.
    await page.close();
    line.restore();
    await context.setOffline(false);
    const plain = await context.newPage();
    await plain.goto(`${line.url}/healthz`);
    const before = await plain.evaluate(rewriteAsSchemaV3, `mango-pos-${store.storeId}`);
    // Dexie's IndexedDB version is its schema version × 10.
    expect(before.version).toBe(CURRENT_SCHEMA_VERSION * 10);
    // (This seeded store has no history after the snapshot's essentials: nothing was packed.
    // A pack's keys are not its rows' view keys since v6 — months, no client or ticket ids —
    // so the rewrite below would not give packed rows their exact view keys.)
    expect(before.packedRows).toBe(0);
    expect(before.pending).toBeGreaterThanOrEqual(2); // ticket.open, ticket.addLine
    expect(before.serverRows).toBeGreaterThan(0);

    // The new app opens it: Dexie upgrades 30 → the current version, the sale is pushed.
    page = plain;
    await page.goto(line.url);
    await pinLock(page).waitFor();
    await unlock(page, store.password);
    await statusBar().getByText('All changes synced').waitFor({ timeout: 30_000 });

    const after = await page.evaluate(describeDatabase, `mango-pos-${store.storeId}`);
    expect(after).toMatchObject({
      version: CURRENT_SCHEMA_VERSION * 10,
      hasServerTable: false,
      pending: 0,
      shadows: 0,
    });
    expect(after.viewRows).toBeGreaterThanOrEqual(before.viewRows);

    const onServer = [...(await pullEverything(store.ownerToken, store.storeId)).values()];
    expect(onServer.filter((c) => c.entity === 'ticket' && c.id === ticketId)).toHaveLength(1);
    expect(
      onServer.filter((c) => c.entity === 'ticketLine' && c.data?.['ticketId'] === ticketId),
    ).toHaveLength(1);

    // The desk still shows the store and the sale.
    await page.goto(`${line.url}/checkout/${ticketId}`);
    await unlock(page, store.password);
    await expect.poll(() => textOf(page, 'Ticket total')).toBe(total);
  }, 120_000);
});

/**
 * Runs in the page: reads the current database and writes it back as schema v3 (IndexedDB version 30,
 * Dexie's version × 10): `server` = the server state (shadow where there is one, else the view
 * row or the packed row as pulled), `view` = every view row and packed row (with its index keys:
 * those of its pack's keys that its fields match), the rest as is. Returns what it wrote.
 */
async function rewriteAsSchemaV3(name: string): Promise<{
  version: number;
  pending: number;
  serverRows: number;
  viewRows: number;
  packedRows: number;
}> {
  type Row = Record<string, unknown> & { e: string; id: string };
  const request = <T>(r: IDBRequest<T>) =>
    new Promise<T>((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  const open = (version?: number, upgrade?: (db: IDBDatabase) => void) =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const r = version === undefined ? indexedDB.open(name) : indexedDB.open(name, version);
      r.onupgradeneeded = () => upgrade?.(r.result);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
      r.onblocked = () => reject(new Error('blocked: the app still has the database open'));
    });
  const v4 = await open();
  const version = v4.version;
  const tables = ['view', 'shadow', 'pack', 'outbox', 'meta', 'attention', 'acked', 'lease'];
  const read = v4.transaction(tables, 'readonly');
  const all: Record<string, Row[]> = {};
  for (const t of tables) all[t] = (await request(read.objectStore(t).getAll())) as Row[];
  v4.close();
  await request(indexedDB.deleteDatabase(name));

  const key = (r: Row) => `${r.e}\u0000${r.id}`;
  const shadows = new Map((all['shadow'] ?? []).map((s) => [key(s), s]));
  const server: Row[] = [];
  const view: Row[] = [];
  for (const row of all['view'] ?? []) {
    const { v, g, ...rest } = row;
    view.push(rest as Row);
    if (!shadows.has(key(row)) && typeof v === 'number') server.push({ ...rest, v, g: g ?? 0 });
  }
  for (const s of shadows.values()) if (s['d'] !== null) server.push(s);
  // Index keys as local-db.ts encodes them: null/absent [], booleans 1/0.
  const enc = (v: unknown) =>
    v === null || v === undefined ? '[]' : JSON.stringify(typeof v === 'boolean' ? +v : v);
  let packedRows = 0;
  for (const p of all['pack'] ?? []) {
    const ix = p['ix'] as [string, string, unknown][];
    for (const r of p['rows'] as { id: string; v: number; g: number; d: Row }[]) {
      const rowIx = ix.filter(([, f, v]) => enc(r.d[f]) === JSON.stringify(v));
      view.push({ e: p.e, id: r.id, d: r.d, ix: rowIx });
      server.push({ e: p.e, id: r.id, v: r.v, g: r.g, d: r.d });
      packedRows++;
    }
  }

  const v3 = await open(30, (db) => {
    db.createObjectStore('server', { keyPath: ['e', 'id'] }).createIndex('g', 'g');
    db.createObjectStore('view', { keyPath: ['e', 'id'] }).createIndex('ix', 'ix', {
      multiEntry: true,
    });
    db.createObjectStore('outbox', { keyPath: 'id' });
    db.createObjectStore('meta', { keyPath: 'key' });
    db.createObjectStore('attention', { keyPath: 'mutationId' }).createIndex(
      'acknowledgedAt',
      'acknowledgedAt',
    );
    db.createObjectStore('lease', { keyPath: 'key' });
    db.createObjectStore('acked', { keyPath: 'id' }).createIndex('ackedAt', 'ackedAt');
  });
  const write = v3.transaction(
    ['server', 'view', 'outbox', 'meta', 'attention', 'acked', 'lease'],
    'readwrite',
  );
  const puts: Record<string, Row[]> = {
    server,
    view,
    outbox: all['outbox'] ?? [],
    meta: all['meta'] ?? [],
    attention: all['attention'] ?? [],
    acked: all['acked'] ?? [],
    lease: all['lease'] ?? [],
  };
  for (const [t, rows] of Object.entries(puts)) {
    for (const r of rows) write.objectStore(t).put(r);
  }
  await new Promise<void>((resolve, reject) => {
    write.oncomplete = () => resolve();
    write.onerror = () => reject(write.error);
  });
  v3.close();
  return {
    version,
    pending: puts['outbox']!.length,
    serverRows: server.length,
    viewRows: view.length,
    packedRows,
  };
}

/** Runs in the page: the database's version, tables and counts. */
async function describeDatabase(name: string): Promise<{
  version: number;
  hasServerTable: boolean;
  pending: number;
  shadows: number;
  viewRows: number;
}> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(name);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const count = (t: string) =>
    new Promise<number>((resolve, reject) => {
      const r = db.transaction(t, 'readonly').objectStore(t).count();
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  const out = {
    version: db.version,
    hasServerTable: db.objectStoreNames.contains('server'),
    pending: await count('outbox'),
    shadows: await count('shadow'),
    viewRows: await count('view'),
  };
  db.close();
  return out;
}
