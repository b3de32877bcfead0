/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { launchChromium } from '../../test-support/browser';
import { summarize, type LatencySummary } from '../loadgen/src/stats';

/**
 * The device side, in Chromium against the real server and the built web app: a new device signs
 * in to a large store and hydrates it into IndexedDB; then client search per keystroke, a local
 * mutation (tap → UI updated) and the first screen of a reload with everything already local.
 * Times are taken inside the page (performance.now() at the input event, then the first animation
 * frame after the DOM showed the result), so Playwright's round trips are not in them.
 */

export interface DeviceSideOptions {
  baseUrl: string;
  credentials: { email: string; password: string };
  /** What the store holds on the server: hydration is done when IndexedDB has at least this. */
  expectedClients: number;
  expectedTickets: number;
  /** Typed one key at a time into the client search box; each key should change the hit count. */
  searchKeys: string;
  /** Walk-ins added one by one on the front desk. */
  localMutations: number;
  hydrationTimeoutMs: number;
  log: (line: string) => void;
}

/** Where the first sync's time went, from the sync worker's trace and the page's long tasks. */
export interface HydrationTimeline {
  /** Milliseconds after the sign-in click. */
  snapshotRequestMs: number | null;
  firstByteMs: number | null;
  essentialsWrittenMs: number | null;
  endMs: number | null;
  rowsAtEssentials: number;
  /**
   * The batch after which every client and ticket had been written (rows per entity summed over
   * the batches): how `hydrationMs` is measured when the device packs its history (schema v5),
   * whose packed rows a count of IndexedDB records would not see without reading them all.
   */
  clientsAndTicketsMs: number | null;
  batches: number;
  /** Sum of the IndexedDB transactions' times (the worker writes one batch at a time). */
  writeMs: number;
  /** Per entity: rows, and rows/s over the transactions that carried it (time split by rows). */
  perEntity: Record<string, { rows: number; rowsPerSecond: number }>;
  /** One batch: rows → ms (median and max of all batches). */
  batchMs: { rows: number; p50: number; max: number };
  /** Main thread, sign-in → hydrated: tasks over 50 ms. */
  longTasks: { count: number; totalMs: number; maxMs: number; beforeDeskCount: number };
}

export interface DeviceSideResult {
  /** Click on "Sign in" → the front desk heading is on screen. */
  signInToFrontDeskMs: number;
  timeline: HydrationTimeline | null;
  /** A walk-in added as soon as the front desk opened, if the hydration was still running. */
  walkInDuringHydrationMs: number | null;
  /** Click on "Sign in" → IndexedDB holds every client and ticket of the store (not yet their lines and payments). */
  hydrationMs: number;
  /** Click on "Sign in" → the hydration progress bar is gone (the engine says done): the whole store. */
  progressGoneMs: number;
  localRows: { clients: number; tickets: number; appointments: number; all: number };
  /** Clients screen opened → its search index counts every client ("N of N"). */
  clientIndexReadyMs: number;
  search: { keys: string; perKeyMs: number[]; hits: string[]; summary: LatencySummary };
  /** Walk-ins added right after the hydration, one after the other. */
  localMutation: { name: string; perTapMs: number[]; summary: LatencySummary };
  /**
   * Reload with the store already in IndexedDB: → the lock screen (app shell), unlock click →
   * front desk on screen, Clients screen → "N of N".
   */
  reload: { shellMs: number; frontDeskMs: number; clientsReadyMs: number };
  /**
   * What the first sync wrote, counted in IndexedDB after it (independent of the machine's
   * load): per table (`view`, `pack`, `posting`: rows = its pairs) and entity, records and
   * index entries of `ix` by field.
   */
  indexEntries: IndexEntries | null;
}

/** table → entity → records, `ix` entries and entries by field. */
export type IndexEntries = Record<
  string,
  Record<string, { records: number; rows: number; keys: number; byField: Record<string, number> }>
>;

/** Counts records and `ix` entries per table and entity (reads every record: after the runs). */
async function indexEntries(page: Page, storeId: string): Promise<IndexEntries> {
  return page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(name);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const out: Record<
      string,
      Record<
        string,
        { records: number; rows: number; keys: number; byField: Record<string, number> }
      >
    > = {};
    for (const table of ['view', 'pack', 'posting']) {
      if (!db.objectStoreNames.contains(table)) continue;
      const per: (typeof out)[string] = (out[table] = {});
      await new Promise<void>((resolve, reject) => {
        const req = db.transaction(table, 'readonly').objectStore(table).openCursor();
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const cursor = req.result;
          if (!cursor) return resolve();
          const rec = cursor.value as {
            e: string;
            ix?: unknown[][];
            rows?: unknown[];
            pairs?: unknown[];
          };
          const e = (per[rec.e] ??= { records: 0, rows: 0, keys: 0, byField: {} });
          e.records += 1;
          // A posting's rows: its (value, id) pairs.
          e.rows += rec.rows ? rec.rows.length : rec.pairs ? rec.pairs.length / 2 : 1;
          for (const k of rec.ix ?? []) {
            e.keys += 1;
            const f = String(k[1]);
            e.byField[f] = (e.byField[f] ?? 0) + 1;
          }
          cursor.continue();
        };
      });
    }
    db.close();
    return out;
  }, `mango-pos-${storeId}`);
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * Rows of the device's local copy (Dexie table `view` since schema v4, `server` before; keyed
 * [entity, id]), and with `withPacks` those in its packs (schema v5: reads every pack).
 */
async function localRows(page: Page, storeId: string, withPacks = true) {
  return page.evaluate(
    async ({ name, withPacks }) => {
      const db = await new Promise<IDBDatabase | null>((resolve) => {
        const req = indexedDB.open(name);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => resolve(null);
      });
      const table = db?.objectStoreNames.contains('server') ? 'server' : 'view';
      if (!db || !db.objectStoreNames.contains(table)) {
        db?.close();
        return { clients: 0, tickets: 0, appointments: 0, all: 0 };
      }
      const packs = withPacks && db.objectStoreNames.contains('pack');
      const tx = db.transaction(packs ? [table, 'pack'] : [table], 'readonly');
      const store = tx.objectStore(table);
      const count = (range?: IDBKeyRange) =>
        new Promise<number>((resolve, reject) => {
          const req = store.count(range);
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
      // Rows in packs (schema v5): read every pack (only once the store is in: it is heavy).
      const packed = (range?: IDBKeyRange) =>
        new Promise<number>((resolve, reject) => {
          if (!packs) return resolve(0);
          const req = tx.objectStore('pack').getAll(range);
          req.onsuccess = () =>
            resolve((req.result as { rows: unknown[] }[]).reduce((n, p) => n + p.rows.length, 0));
          req.onerror = () => reject(req.error);
        });
      // Arrays sort after strings, so [entity, []] bounds every [entity, id] (and [entity, lo, hi]).
      const of = async (e: string) =>
        (await count(IDBKeyRange.bound([e], [e, []]))) +
        (await packed(IDBKeyRange.bound([e], [e, []])));
      const [clients, tickets, appointments, all] = await Promise.all([
        of('client'),
        of('ticket'),
        of('appointment'),
        (async () => (await count()) + (await packed()))(),
      ]);
      db.close();
      return { clients, tickets, appointments, all };
    },
    { name: `mango-pos-${storeId}`, withPacks },
  );
}

async function storeIdOfPage(page: Page): Promise<string> {
  const names = await page.evaluate(async () =>
    (await indexedDB.databases()).map((d) => d.name ?? ''),
  );
  const id = names.find((n) => n.startsWith('mango-pos-'))?.slice('mango-pos-'.length);
  if (!id) throw new Error(`no mango-pos-* IndexedDB database in the page (${names.join(', ')})`);
  return id;
}

/**
 * Records, in the page, the time from the next `trigger` event (capture phase) until the element
 * matching `selector` has text for which `done(text)` holds, plus one animation frame (painted).
 */
async function armTimer(
  page: Page,
  opts: { trigger: 'keydown' | 'submit'; selector: string; until: 'changed' | string },
): Promise<void> {
  await page.evaluate(({ trigger, selector, until }) => {
    const w = window as unknown as { __benchMs?: number | null };
    w.__benchMs = null;
    const el = document.querySelector(selector);
    if (!el) throw new Error(`nothing matches ${selector}`);
    const before = el.textContent ?? '';
    let t0: number | null = null;
    const check = () => {
      if (t0 === null) return;
      const text = el.textContent ?? '';
      const ok = until === 'changed' ? text !== before : text.includes(until);
      if (!ok) return;
      const started = t0;
      t0 = null;
      observer.disconnect();
      requestAnimationFrame(() => {
        w.__benchMs = performance.now() - started;
      });
    };
    const observer = new MutationObserver(check);
    observer.observe(el, { childList: true, characterData: true, subtree: true });
    document.addEventListener(
      trigger,
      () => {
        t0 = performance.now();
        check();
      },
      { capture: true, once: true },
    );
  }, opts);
}

async function timerResult(page: Page, timeoutMs = 10_000): Promise<number> {
  const handle = await page.waitForFunction(
    () => (window as unknown as { __benchMs?: number | null }).__benchMs ?? null,
    undefined,
    { timeout: timeoutMs, polling: 'raf' },
  );
  return round(Number(await handle.jsonValue()));
}

/** Adds a walk-in on the front desk's turn tracker: tap → its name on screen (in-page time). */
async function timedWalkIn(page: Page, name: string, timeoutMs = 10_000): Promise<number> {
  await page.getByRole('tab', { name: 'Turn tracker' }).click();
  const queue = page.getByRole('region', { name: 'Walk-in queue' });
  await queue.waitFor();
  await queue.getByLabel('Walk-in name').fill(name);
  await armTimer(page, {
    trigger: 'submit',
    selector: 'section[aria-label="Walk-in queue"]',
    until: name,
  });
  await queue.getByRole('button', { name: 'Add walk-in' }).click();
  return timerResult(page, timeoutMs);
}

type TraceEvent =
  | { kind: 'request' | 'essentials' | 'end'; at: number }
  | { kind: 'head'; at: number; total: number }
  | { kind: 'batch'; at: number; rows: number; entities: Record<string, number>; writeMs: number };

/** The sync worker's snapshot trace (apps/web/src/workers/sync.worker.ts) and the long tasks. */
/** Rows and batches the sync worker has written so far (its trace). */
async function traceProgress(page: Page): Promise<{ batches: number; rows: number; ms: number }> {
  for (const worker of page.workers()) {
    const got = await worker
      .evaluate(() => {
        const t = (self as unknown as { __mangoSnapshotTrace?: TraceEvent[] }).__mangoSnapshotTrace;
        if (!t) return null;
        const batches = t.filter((e) => e.kind === 'batch') as { rows: number; writeMs: number }[];
        return {
          batches: batches.length,
          rows: batches.reduce((n, b) => n + b.rows, 0),
          ms: Math.round(batches.reduce((n, b) => n + b.writeMs, 0)),
        };
      })
      .catch(() => null);
    if (got) return got;
  }
  return { batches: 0, rows: 0, ms: 0 };
}

async function readTimeline(
  page: Page,
  signInAt: number,
  deskMs: number,
  expected: { clients: number; tickets: number },
): Promise<HydrationTimeline | null> {
  let events: TraceEvent[] | null = null;
  for (const worker of page.workers()) {
    const got = await worker
      .evaluate(() => (self as unknown as { __mangoSnapshotTrace?: unknown }).__mangoSnapshotTrace)
      .catch(() => undefined);
    if (Array.isArray(got)) events = got as TraceEvent[];
  }
  if (!events) return null;
  const long = (await page.evaluate(
    () => (window as unknown as { __longTasks?: [number, number][] }).__longTasks ?? [],
  )) as [number, number][];
  const rel = (at: number | undefined) => (at === undefined ? null : round(at - signInAt));
  const first = (kind: TraceEvent['kind']) => events.find((e) => e.kind === kind)?.at;
  const batches = events.filter(
    (e): e is Extract<TraceEvent, { kind: 'batch' }> => e.kind === 'batch',
  );
  const essentialsAt = first('essentials');
  const endAt = first('end') ?? batches.at(-1)?.at ?? Infinity;
  const perEntity: Record<string, { rows: number; ms: number }> = {};
  for (const b of batches) {
    for (const [entity, n] of Object.entries(b.entities)) {
      const e = (perEntity[entity] ??= { rows: 0, ms: 0 });
      e.rows += n;
      e.ms += (b.writeMs * n) / b.rows;
    }
  }
  let clientsAndTicketsAt: number | undefined;
  const sums = { client: 0, ticket: 0 };
  for (const b of batches) {
    sums.client += b.entities['client'] ?? 0;
    sums.ticket += b.entities['ticket'] ?? 0;
    if (sums.client >= expected.clients && sums.ticket >= expected.tickets) {
      clientsAndTicketsAt = b.at;
      break;
    }
  }
  const sorted = batches.map((b) => b.writeMs).sort((a, b) => a - b);
  const during = long.filter(([at]) => at >= signInAt && at <= endAt);
  return {
    snapshotRequestMs: rel(first('request')),
    firstByteMs: rel(first('head')),
    essentialsWrittenMs: rel(essentialsAt),
    endMs: rel(first('end')),
    rowsAtEssentials: batches
      .filter((b) => essentialsAt !== undefined && b.at <= essentialsAt)
      .reduce((n, b) => n + b.rows, 0),
    clientsAndTicketsMs: rel(clientsAndTicketsAt),
    batches: batches.length,
    writeMs: round(batches.reduce((n, b) => n + b.writeMs, 0)),
    perEntity: Object.fromEntries(
      Object.entries(perEntity).map(([k, v]) => [
        k,
        { rows: v.rows, rowsPerSecond: v.ms > 0 ? Math.round((v.rows / v.ms) * 1000) : 0 },
      ]),
    ),
    batchMs: {
      rows: batches[0]?.rows ?? 0,
      p50: round(sorted[Math.floor(sorted.length / 2)] ?? 0),
      max: round(sorted.at(-1) ?? 0),
    },
    longTasks: {
      count: during.length,
      totalMs: round(during.reduce((n, [, d]) => n + d, 0)),
      maxMs: round(Math.max(0, ...during.map(([, d]) => d))),
      beforeDeskCount: during.filter(([at]) => at - signInAt <= deskMs).length,
    },
  };
}

const COUNTER = 'section[aria-label="Clients"] .toolbar [aria-live="polite"]';

export async function measureDeviceSide(opts: DeviceSideOptions): Promise<DeviceSideResult> {
  const { log } = opts;
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    // tsx compiles with keepNames: functions passed to page.evaluate call its `__name` helper.
    await context.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
    // The main thread's long tasks (over 50 ms), in epoch ms like the worker's trace.
    await context.addInitScript({
      content: `globalThis.__longTasks = [];
        try {
          new PerformanceObserver((list) => {
            for (const e of list.getEntries())
              globalThis.__longTasks.push([performance.timeOrigin + e.startTime, e.duration]);
          }).observe({ type: 'longtask', buffered: true });
        } catch {}`,
    });
    const page = await context.newPage();
    page.on('pageerror', (e) => log(`[page error] ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') log(`[console error] ${m.text()}`);
    });
    await page.goto(opts.baseUrl);
    await page.getByLabel('Email').fill(opts.credentials.email);
    await page.getByLabel('Password').fill(opts.credentials.password);
    const started = performance.now();
    const signInAt = Date.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('heading', { name: 'Front desk', level: 1 })
      .waitFor({ timeout: opts.hydrationTimeoutMs });
    const signInToFrontDeskMs = round(performance.now() - started);
    const storeId = await storeIdOfPage(page);
    let rows = await localRows(page, storeId, false);
    // Schema v5 packs the history: its rows are counted from the worker's trace, not by polling.
    const packing = await page.evaluate(async (name) => {
      const req = indexedDB.open(name);
      const db = await new Promise<IDBDatabase>(
        (resolve) => (req.onsuccess = () => resolve(req.result)),
      );
      const has = db.objectStoreNames.contains('pack');
      db.close();
      return has;
    }, `mango-pos-${storeId}`);
    // The front desk may open before the whole store is in (essentials first, a progress bar
    // for the rest): a walk-in then, while rows are still landing.
    const progress = page.getByRole('progressbar', { name: 'Copying this store' });
    let walkInDuringHydrationMs: number | null = null;
    const stillCopying = await progress.isVisible();
    log(
      `device-side: front desk on screen ${signInToFrontDeskMs} ms after sign-in (${stillCopying ? 'still copying the store' : 'store already in'}; ${JSON.stringify(rows)})`,
    );
    if (stillCopying) {
      // As long as it takes (a stall is a finding, not a failure of the bench).
      walkInDuringHydrationMs = await timedWalkIn(
        page,
        `Bench early walk-in ${Date.now().toString(36)}`,
        opts.hydrationTimeoutMs,
      );
      log(`device-side: walk-in during the hydration ${walkInDuringHydrationMs} ms`);
    }
    let lastLog = 0;
    while (
      !packing &&
      (rows.clients < opts.expectedClients || rows.tickets < opts.expectedTickets)
    ) {
      if (performance.now() - started > opts.hydrationTimeoutMs)
        throw new Error(
          `hydration not done after ${opts.hydrationTimeoutMs} ms: ${JSON.stringify(rows)} of ${opts.expectedClients} clients / ${opts.expectedTickets} tickets`,
        );
      if (performance.now() - lastLog > 10_000) {
        log(`device-side: hydrating… ${JSON.stringify(rows)}`);
        lastLog = performance.now();
      }
      await page.waitForTimeout(200);
      rows = await localRows(page, storeId, false);
    }
    let hydrationMs = round(performance.now() - started);
    if (!packing) log(`device-side: hydrated ${JSON.stringify(rows)} in ${hydrationMs} ms`);
    while (packing && (await progress.isVisible())) {
      // The rows written so far, from the worker's trace (packed rows are not counted by records).
      if (performance.now() - started > opts.hydrationTimeoutMs) break;
      if (performance.now() - lastLog > 10_000) {
        const bar = await page
          .getByRole('region', { name: 'Sync status' })
          .textContent()
          .catch(() => null);
        log(`device-side: copying… ${JSON.stringify(await traceProgress(page))} ${bar ?? ''}`);
        lastLog = performance.now();
      }
      await page.waitForTimeout(500);
    }
    await progress.waitFor({ state: 'detached', timeout: opts.hydrationTimeoutMs });
    const progressGoneMs = round(performance.now() - started);
    // Every row now (lines, payments and the rest come after the clients and tickets).
    rows = await localRows(page, storeId);
    log(`device-side: progress bar gone after ${progressGoneMs} ms ${JSON.stringify(rows)}`);
    const expected = { clients: opts.expectedClients, tickets: opts.expectedTickets };
    const timeline = await readTimeline(page, signInAt, signInToFrontDeskMs, expected).catch(
      (e: unknown) => {
        log(`device-side: no hydration trace (${String(e)})`);
        return null;
      },
    );
    if (timeline) log(`device-side: timeline ${JSON.stringify(timeline)}`);
    if (packing) {
      hydrationMs = timeline?.clientsAndTicketsMs ?? hydrationMs;
      log(`device-side: every client and ticket written ${hydrationMs} ms after sign-in`);
    }

    // Walk-ins right after the hydration (issue 20's stall: the first retention pass used to
    // start about then and hold IndexedDB in one transaction for minutes).
    const perTapMs: number[] = [];
    for (let i = 0; i < opts.localMutations; i++) {
      perTapMs.push(await timedWalkIn(page, `Bench walk-in ${i + 1} ${Date.now().toString(36)}`));
    }
    log(
      `device-side: walk-in add right after hydration (tap → on screen) ${perTapMs.join(', ')} ms`,
    );

    const nav = page.getByRole('navigation', { name: 'Main' });
    const allClients = async () => {
      const t = performance.now();
      await nav.getByRole('link', { name: 'Clients' }).click();
      const total = rows.clients.toLocaleString('en-US');
      await page
        .getByRole('region', { name: 'Clients' })
        .getByText(`${total} of ${total}`)
        .waitFor({ timeout: opts.hydrationTimeoutMs });
      return round(performance.now() - t);
    };
    const clientIndexReadyMs = await allClients();

    const search = page.getByRole('searchbox', { name: 'Search clients' });
    await search.click();
    const perKeyMs: number[] = [];
    const hits: string[] = [];
    for (const key of opts.searchKeys) {
      await armTimer(page, { trigger: 'keydown', selector: COUNTER, until: 'changed' });
      await page.keyboard.press(key);
      perKeyMs.push(await timerResult(page));
      hits.push((await page.locator(COUNTER).innerText()).trim());
    }
    log(`device-side: search keystrokes ${perKeyMs.join(', ')} ms (${hits.join(' → ')})`);

    // A reload locks the device: the app shell comes up, the password is checked against the
    // local verifier (no network), then the front desk renders from IndexedDB.
    // From the front desk, where a desk is usually left.
    await nav.getByRole('link', { name: 'Front desk' }).click();
    await page.getByRole('heading', { name: 'Front desk', level: 1 }).waitFor();
    const reloadStarted = performance.now();
    await page.reload();
    // The lock screen (PIN, or the account's password one link away).
    const pinLock = page.getByRole('region', { name: 'Unlock with PIN' });
    await pinLock.waitFor();
    const shellMs = round(performance.now() - reloadStarted);
    await pinLock.getByRole('button', { name: 'Sign in with password' }).click();
    const unlock = page.getByRole('form', { name: 'Unlock' });
    await unlock.getByLabel('Password').fill(opts.credentials.password);
    const unlockStarted = performance.now();
    await unlock.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('heading', { name: 'Front desk', level: 1 }).waitFor();
    const frontDeskMs = round(performance.now() - unlockStarted);
    const clientsReadyMs = await allClients();
    const entries = await indexEntries(page, storeId).catch((e: unknown) => {
      log(`device-side: no index entry count (${String(e)})`);
      return null;
    });
    if (entries) log(`device-side: index entries ${JSON.stringify(entries)}`);
    await context.close();
    return {
      signInToFrontDeskMs,
      timeline,
      walkInDuringHydrationMs,
      hydrationMs,
      progressGoneMs,
      localRows: rows,
      clientIndexReadyMs,
      search: { keys: opts.searchKeys, perKeyMs, hits, summary: summarize(perKeyMs) },
      localMutation: { name: 'walkIn.add', perTapMs, summary: summarize(perTapMs) },
      reload: { shellMs, frontDeskMs, clientsReadyMs },
      indexEntries: entries,
    };
  } finally {
    await browser.close();
  }
}
