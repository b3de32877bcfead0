import {
  checkLedger,
  type CheckReport,
  serverStateFromChanges,
  type ServerStoreState,
} from './checker';
import { Device, type DeviceContext, Session } from './device';
import { errorCode, HttpClient, type HttpResponse, sleep } from './http';
import { Ledger } from './ledger';
import { interval, type IntervalReport, mark, Metrics, progress } from './metrics';
import { Rng } from './prng';
import {
  catalogMutations,
  type DevicePlanner as Planner,
  DevicePlanner,
  giftCardSale,
  type GiftCard,
  historyVisit,
  makeCatalog,
  type StoreCatalog,
  TAX_RATES,
} from './scenario';

export interface SimConfig {
  baseUrl: string;
  seed: string;
  stores: number;
  devicesPerStore: number;
  /** Clients of an ordinary store. */
  clientsPerStore: number;
  /** Every n-th store is large (0 = none). */
  largeStoreEvery: number;
  largeStoreClients: number;
  /** How many stores get a history of closed tickets, and how much. */
  historyStores: number;
  historyDays: number;
  historyTicketsPerDay: number;
  /** When set, the total of history tickets per history store (spread evenly over the days). */
  historyTickets?: number;
  /** Share of visits that come from an appointment (the rest are walk-ins). */
  appointmentShare?: number;
  /** Share of devices that subscribe to pokes (SSE); the rest pull on a timer. */
  sseFraction: number;
  pullIntervalMs: number;
  maxSockets: number;
  timeoutMs: number;
  setupConcurrency: number;
  /** Label for emails, so runs against one database do not collide. */
  runTag: string;
}

export const DEFAULT_SIM: Omit<SimConfig, 'baseUrl' | 'runTag'> = {
  seed: '42',
  stores: 10,
  devicesPerStore: 3,
  clientsPerStore: 150,
  largeStoreEvery: 20,
  largeStoreClients: 3000,
  historyStores: 1,
  historyDays: 365,
  historyTicketsPerDay: 8,
  sseFraction: 0.2,
  pullIntervalMs: 15_000,
  maxSockets: 64,
  timeoutMs: 30_000,
  setupConcurrency: 4,
};

export interface RunOptions {
  label: string;
  durationSec: number;
  /** Checkouts per second over all stores. */
  rate: number;
  /** Real minutes of a visit become `timeScale` minutes here (1/300: an hour-long service takes 12 s). */
  timeScale: number;
  progressEveryMs?: number;
  /** Max time to let pending visits finish and outboxes drain after the arrivals stop. */
  drainTimeoutSec?: number;
  /**
   * Seconds at the start, within `durationSec`, that run but are not measured: devices open their
   * event streams and make their first pulls all at once then, which a running fleet does not.
   */
  warmupSec?: number;
}

export interface RunReport {
  label: string;
  config: {
    stores: number;
    devicesPerStore: number;
    durationSec: number;
    /** The first seconds of `durationSec`, not in `measured`. */
    warmupSec: number;
    rate: number;
    timeScale: number;
  };
  measured: IntervalReport;
  checkouts: number;
  /** Achieved checkouts per second (arrivals whose visit was fully pushed). */
  checkoutsPerSec: number;
  errors: Record<string, number>;
  rejections: Record<string, number>;
  retries: number;
  rateLimited: number;
  pokes: number;
  /** Of `pokes`, those whose delta the device took instead of a pull. */
  pokeDeltas: number;
  unknownOutcomes: number;
  drained: boolean;
  /** Seconds from the end of arrivals until every visit finished and every outbox was empty. */
  drainSeconds: number;
  fatal: string[];
}

export interface SimStore {
  index: number;
  storeId: string;
  session: Session;
  catalog: StoreCatalog;
  devices: Device[];
  planners: Planner[];
  rng: Rng;
  /** The owner's sign-in, for a browser device of the store (bench device side). */
  owner: { email: string; password: string };
}

/**
 * How far apart one desk's visits are on its own clock in `saturate`: one every 20 minutes, two
 * desks a store, so a store books six visits an hour across its staff (a busy salon's day).
 */
const SATURATE_VISIT_SPACING_MS = 20 * 60_000;
const SIGNUPS_PER_ADDRESS = 90; // the server allows 100 sign-ups per IP per 15 min

/** Rotates loopback source addresses (127.x.y.z) for sign-ups, a new range per run. */
class AddressPool {
  private n: number;
  private used = 0;
  constructor() {
    this.n = (Math.floor(Date.now() / 1000) * 8) % (250 * 256 * 254);
  }
  current(): string {
    const n = this.n;
    return `127.${1 + Math.floor(n / (256 * 254))}.${Math.floor(n / 254) % 256}.${1 + (n % 254)}`;
  }
  /** Counts a sign-up; moves to the next address when this one has had its share. */
  take(): string {
    if (this.used >= SIGNUPS_PER_ADDRESS) this.next();
    this.used++;
    return this.current();
  }
  next(): void {
    this.n = (this.n + 1) % (250 * 256 * 254);
    this.used = 0;
  }
}

async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i] as T, i);
      }
    }),
  );
}

export class Simulation {
  readonly metrics = new Metrics();
  readonly ledger = new Ledger();
  readonly client: HttpClient;
  readonly stores: SimStore[] = [];
  private readonly rng: Rng;
  private runDeadline = Number.MAX_SAFE_INTEGER;
  private readonly addresses = new AddressPool();
  private readonly signupClients = new Map<string, HttpClient>();
  /** The earliest visit time `saturate` has used (its desks' clocks go back from now). */
  private saturatedBefore: number | undefined;

  constructor(readonly config: SimConfig) {
    this.rng = new Rng(config.seed);
    this.client = new HttpClient(config.baseUrl, {
      maxSockets: config.maxSockets,
      timeoutMs: config.timeoutMs,
    });
  }

  private deviceContext(batchMax: number): DeviceContext {
    return {
      client: this.client,
      metrics: this.metrics,
      ledger: this.ledger,
      batchMax,
      batchBytes: 900_000,
      deadline: () => this.runDeadline,
    };
  }

  private signupClient(): HttpClient {
    const address = this.addresses.take();
    let c = this.signupClients.get(address);
    if (!c) {
      c = new HttpClient(this.config.baseUrl, {
        maxSockets: 4,
        timeoutMs: this.config.timeoutMs,
        localAddress: address,
      });
      this.signupClients.set(address, c);
    }
    return c;
  }

  private async signup(
    index: number,
    storeRng: Rng,
    taxRatePpm: number,
  ): Promise<{ session: Session; storeId: string; owner: SimStore['owner'] }> {
    const body = {
      organizationName: `Loadgen Salon ${index}`,
      storeName: `Loadgen Salon ${index} – Main St`,
      email: `lg-${this.config.runTag}-${index}@loadgen.example.com`,
      password: `pw-${storeRng.uuid()}`,
      timeZone: 'America/New_York',
      currency: 'USD',
      taxRatePpm,
    };
    for (let attempt = 0; attempt < 8; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.signupClient().request('POST', '/api/v1/auth/signup', { body });
      } catch (e) {
        this.metrics.error('NETWORK');
        await sleep(500 * (attempt + 1));
        if (attempt === 7) throw e;
        continue;
      }
      this.metrics.latency.signup.record(res.ms);
      if (res.status === 201)
        return {
          ...Session.fromResponse(res.body),
          owner: { email: body.email, password: body.password },
        };
      if (res.status === 429) {
        this.addresses.next(); // this loopback address has had its sign-ups; take another
        continue;
      }
      if (res.status >= 500) {
        this.metrics.error(`HTTP_${res.status}`);
        await sleep(500 * (attempt + 1));
        continue;
      }
      throw new Error(`sign-up of store ${index} failed: ${res.status} ${res.body.slice(0, 300)}`);
    }
    throw new Error(`sign-up of store ${index} kept failing`);
  }

  async registerDevice(
    store: { storeId: string; session: Session },
    deviceId: string,
    name: string,
  ): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const res = await this.client.request('POST', `/api/v1/stores/${store.storeId}/devices`, {
        body: { deviceId, name },
        token: store.session.accessToken,
      });
      this.metrics.latency.register.record(res.ms);
      if (res.status === 201 || res.status === 200) return;
      if (res.status === 401) {
        await store.session.refresh(this.client);
        continue;
      }
      if (res.status >= 500 || res.status === 429) {
        await sleep(300 * (attempt + 1));
        continue;
      }
      throw new Error(
        `registering device ${deviceId}: ${res.status} ${errorCode(res)} ${res.body.slice(0, 200)}`,
      );
    }
    throw new Error(`registering device ${deviceId} kept failing`);
  }

  /**
   * Creates the organizations/stores (sign-up), registers the devices and seeds each store
   * through the push API: catalog, clients, gift cards, and for some stores a history of closed
   * tickets, in big batches.
   */
  async setup(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<void> {
    const cfg = this.config;
    const started = performance.now();
    const indexes = Array.from({ length: cfg.stores }, (_, i) => i);
    const stop = progress(
      this.metrics,
      'setup',
      5000,
      () => ` | stores ${this.stores.length}/${cfg.stores}`,
    );
    try {
      await pool(indexes, cfg.setupConcurrency, async (i) => {
        const storeRng = this.rng.fork(`store/${i}`);
        const taxRatePpm = storeRng.fork('tax').pick(TAX_RATES);
        const { session, storeId, owner } = await this.signup(
          i,
          storeRng.fork('signup'),
          taxRatePpm,
        );
        const large =
          cfg.largeStoreEvery > 0 && i % cfg.largeStoreEvery === cfg.largeStoreEvery - 1;
        const catalog = makeCatalog(storeRng.fork('catalog'), {
          clients: large ? cfg.largeStoreClients : cfg.clientsPerStore,
          taxRatePpm,
        });
        const devices: Device[] = [];
        for (let d = 0; d < cfg.devicesPerStore; d++) {
          const deviceRng = storeRng.fork(`device/${d}`);
          const id = deviceRng.uuid();
          await this.registerDevice({ storeId, session }, id, `POS ${d + 1}`);
          devices.push(
            new Device(id, storeId, session, this.deviceContext(500), deviceRng.fork('backoff')),
          );
        }
        const seeder = devices[0] as Device;
        const seedAt = new Date(Date.now() - 400 * 86_400_000);
        for (const m of catalogMutations(catalog)) seeder.enqueue(m, seedAt, false);
        const giftCards: GiftCard[][] = devices.map((_, d) => {
          const g = giftCardSale(storeRng.fork(`giftcard/${d}`), 20_000);
          for (const m of g.mutations) seeder.enqueue(m, seedAt, false);
          return [g.card];
        });
        const planners = devices.map(
          (_, d) =>
            new DevicePlanner(
              storeRng.fork(`planner/${d}`),
              catalog,
              catalog.clients.filter((_, k) => k % cfg.devicesPerStore === d),
              giftCards[d] as GiftCard[],
              cfg.appointmentShare,
            ),
        );
        if (i < cfg.historyStores) {
          const historyPlanner = new DevicePlanner(
            storeRng.fork('history'),
            catalog,
            catalog.clients,
            [],
            cfg.appointmentShare,
          );
          const today = new Date();
          today.setUTCHours(0, 0, 0, 0);
          const histRng = storeRng.fork('history-times');
          for (let day = cfg.historyDays; day >= 1; day--) {
            const dayStart = today.getTime() - day * 86_400_000 + 14 * 3_600_000; // 09:00 New York
            const total = cfg.historyTickets;
            const count =
              total === undefined
                ? cfg.historyTicketsPerDay
                : Math.floor(((cfg.historyDays - day + 1) * total) / cfg.historyDays) -
                  Math.floor(((cfg.historyDays - day) * total) / cfg.historyDays);
            const times = Array.from(
              { length: count },
              () => dayStart + histRng.int(0, 9 * 3_600_000),
            ).sort((a, b) => a - b);
            for (const t of times) {
              for (const m of historyVisit(historyPlanner, new Date(t)))
                seeder.enqueue(m, new Date(t), false);
            }
          }
        }
        await seeder.drain();
        if (seeder.fatal) throw seeder.fatal;
        this.stores.push({
          index: i,
          storeId,
          session,
          catalog,
          devices,
          planners,
          rng: storeRng,
          owner,
        });
      });
    } finally {
      stop();
    }
    this.stores.sort((a, b) => a.index - b.index);
    log(
      `setup: ${cfg.stores} stores × ${cfg.devicesPerStore} devices ready in ${((performance.now() - started) / 1000).toFixed(1)} s (${this.metrics.applied} mutations applied)`,
    );
  }

  /**
   * A salon day: checkouts arrive (Poisson) at `rate` per second over all stores; each is a visit
   * (appointment or walk-in → ticket → split payments → close, sometimes a refund or a client
   * edit) on one device of the store, pushed step by step. Devices pull on pokes or on a timer.
   */
  async run(opts: RunOptions): Promise<RunReport> {
    const cfg = this.config;
    const arrivals = this.rng.fork(`run/${opts.label}`);
    // Counters are cumulative over the simulation; a run reports its own share of them.
    const before = {
      errors: new Map(this.metrics.errors),
      rejections: new Map(this.metrics.rejections),
      retries: this.metrics.retries,
      rateLimited: this.metrics.rateLimited,
      pokes: this.metrics.pokes,
      pokeDeltas: this.metrics.pokeDeltas,
      unknown: this.metrics.unknown,
      fatal: new Set(this.stores.flatMap((s) => s.devices).filter((d) => d.fatal)),
    };
    const allDevices = this.stores.flatMap((s) => s.devices);
    const sseRng = arrivals.fork('sse');
    const sse = allDevices.filter(() => sseRng.next() < cfg.sseFraction);
    const sseSet = new Set(sse);
    for (const d of sse) d.subscribe(cfg.baseUrl);
    const timers = allDevices
      .filter((d) => !sseSet.has(d))
      .map((d, i) => {
        const phase = (i * 7919) % cfg.pullIntervalMs;
        let t: NodeJS.Timeout | undefined;
        const start = setTimeout(() => {
          d.requestPull();
          t = setInterval(() => d.requestPull(), cfg.pullIntervalMs);
        }, phase);
        return () => {
          clearTimeout(start);
          if (t) clearInterval(t);
        };
      });

    this.runDeadline = Date.now() + (opts.durationSec + (opts.drainTimeoutSec ?? 120)) * 1000;
    const pendingSteps = new Set<Promise<void>>();
    let checkouts = 0;
    let completed = 0;
    const stopProgress = progress(
      this.metrics,
      opts.label,
      opts.progressEveryMs ?? 5000,
      () => ` | checkouts ${completed}/${checkouts}`,
    );
    let from = mark(this.metrics);
    const startedAt = performance.now();
    const endAt = startedAt + opts.durationSec * 1000;
    const measureFrom = startedAt + Math.min(opts.warmupSec ?? 0, opts.durationSec / 2) * 1000;
    let warm = measureFrom <= startedAt;
    let nextArrival = startedAt + arrivals.exponential(1000 / opts.rate);
    while (performance.now() < endAt) {
      const now = performance.now();
      if (!warm && now >= measureFrom) {
        from = mark(this.metrics);
        warm = true;
      }
      while (nextArrival <= now && nextArrival < endAt) {
        const store = arrivals.pick(this.stores);
        const d = arrivals.int(0, store.devices.length - 1);
        const device = store.devices[d] as Device;
        const steps = (store.planners[d] as Planner).visit({
          at: new Date(),
          timeScale: opts.timeScale,
        });
        checkouts++;
        const visit = (async () => {
          for (const step of steps) {
            if (step.delayMs > 0) await sleep(step.delayMs);
            const at = new Date();
            for (const m of step.mutations) device.enqueue(m, at, false);
            device.kick();
          }
          completed++;
        })();
        pendingSteps.add(visit);
        void visit.finally(() => pendingSteps.delete(visit));
        nextArrival += arrivals.exponential(1000 / opts.rate);
      }
      await sleep(Math.max(1, Math.min(20, nextArrival - performance.now())));
    }
    const arrivalsEnded = mark(this.metrics);
    const measured = interval(this.metrics, from, arrivalsEnded);
    // Let the visits in progress finish, then drain every outbox.
    const drainUntil = this.runDeadline;
    while (pendingSteps.size > 0 && Date.now() < drainUntil)
      await Promise.race([...pendingSteps, sleep(1000)]);
    await Promise.all(allDevices.map((d) => d.drain()));
    stopProgress();
    for (const stop of timers) stop();
    // Not stop(): a device on pokes in this run may pull on a timer in the next one.
    for (const d of sse) d.closeEvents();
    for (const d of allDevices) await d.idle();
    const fatal = allDevices
      .filter((d) => d.fatal && !before.fatal.has(d))
      .map((d) => String(d.fatal?.message));
    const since = (now: Map<string, number>, then: Map<string, number>) =>
      Object.fromEntries(
        [...now].map(([k, v]) => [k, v - (then.get(k) ?? 0)] as const).filter(([, v]) => v > 0),
      );
    const drained = allDevices.every((d) => d.pending === 0);
    const drainSeconds = Math.round((performance.now() - endAt) / 100) / 10;
    return {
      label: opts.label,
      config: {
        stores: this.stores.length,
        devicesPerStore: cfg.devicesPerStore,
        durationSec: opts.durationSec,
        warmupSec: Math.round((measureFrom - startedAt) / 100) / 10,
        rate: opts.rate,
        timeScale: opts.timeScale,
      },
      measured,
      checkouts,
      checkoutsPerSec:
        Math.round((completed / Math.max(0.001, (performance.now() - startedAt) / 1000)) * 10) / 10,
      errors: since(this.metrics.errors, before.errors),
      rejections: since(this.metrics.rejections, before.rejections),
      retries: this.metrics.retries - before.retries,
      rateLimited: this.metrics.rateLimited - before.rateLimited,
      pokes: this.metrics.pokes - before.pokes,
      pokeDeltas: this.metrics.pokeDeltas - before.pokeDeltas,
      unknownOutcomes: this.metrics.unknown - before.unknown,
      drained,
      drainSeconds,
      fatal,
    };
  }

  /**
   * Push throughput: every device pushes back-to-back batches of `visitsPerPush` complete visits
   * (about five mutations each) for `durationSec`, as fast as the server answers.
   */
  async saturate(opts: { label: string; durationSec: number; visitsPerPush: number }): Promise<
    IntervalReport & {
      label: string;
      visitsPerPush: number;
      devices: number;
      errorsByCode: Record<string, number>;
    }
  > {
    const errorsBefore = new Map(this.metrics.errors);
    this.runDeadline = Date.now() + (opts.durationSec + 120) * 1000;
    const stop = progress(this.metrics, opts.label);
    const from = mark(this.metrics);
    const end = performance.now() + opts.durationSec * 1000;
    const devices = this.stores.flatMap((s) =>
      s.devices.map((d, j) => ({ d, planner: s.planners[j] as Planner })),
    );
    // Each desk books its visits SATURATE_VISIT_SPACING_MS apart on its own clock, going back from
    // now: a staff member's appointments then overlap about as often as on a busy day. Stamping
    // them all with the wall clock put every visit of the run at the same few minutes, so each
    // appointment's overlap check read hundreds of the staff member's appointments and flagged
    // them all as conflicts (docs/PERFORMANCE.md, session 12).
    // A later run goes on back from where the last one stopped, so runs do not pile up on the
    // same days.
    const runStart = this.saturatedBefore ?? Date.now();
    await Promise.all(
      devices.map(async ({ d, planner }, j) => {
        let visits = 0;
        while (performance.now() < end && !d.fatal) {
          for (let k = 0; k < opts.visitsPerPush; k++) {
            const at = new Date(
              runStart -
                (visits++ * devices.length + j) * (SATURATE_VISIT_SPACING_MS / devices.length),
            );
            this.saturatedBefore = Math.min(this.saturatedBefore ?? Infinity, at.getTime());
            for (const m of historyVisit(planner, at)) d.enqueue(m, at, false);
          }
          await d.drain();
        }
      }),
    );
    const result = interval(this.metrics, from);
    stop();
    const errors: Record<string, number> = {};
    for (const [k, v] of this.metrics.errors)
      if (v !== (errorsBefore.get(k) ?? 0)) errors[k] = v - (errorsBefore.get(k) ?? 0);
    return {
      label: opts.label,
      visitsPerPush: opts.visitsPerPush,
      devices: devices.length,
      errorsByCode: errors,
      ...result,
    };
  }

  /** Every device pulls up to its store's version. */
  async catchUp(): Promise<void> {
    for (const d of this.stores.flatMap((s) => s.devices)) await d.pullAll();
  }

  /**
   * Quiet-store polling at saturation (after `catchUp`): `concurrency` pollers pull again and
   * again, each from a device's cursor (answers are empty unless something was written
   * meanwhile). Nothing is pushed.
   */
  async quietPulls(opts: {
    label: string;
    durationSec: number;
    concurrency: number;
  }): Promise<
    IntervalReport & { label: string; devices: number; errorsByCode: Record<string, number> }
  > {
    const devices = this.stores.flatMap((s) => s.devices);
    const errorsBefore = new Map(this.metrics.errors);
    this.runDeadline = Date.now() + (opts.durationSec + 120) * 1000;
    const stop = progress(this.metrics, opts.label);
    const from = mark(this.metrics);
    const end = performance.now() + opts.durationSec * 1000;
    let next = 0;
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (performance.now() < end) {
          const d = devices[next++ % devices.length] as Device;
          await d.pullAll();
        }
      }),
    );
    const result = interval(this.metrics, from);
    stop();
    const errors: Record<string, number> = {};
    for (const [k, v] of this.metrics.errors)
      if (v !== (errorsBefore.get(k) ?? 0)) errors[k] = v - (errorsBefore.get(k) ?? 0);
    return { label: opts.label, devices: devices.length, errorsByCode: errors, ...result };
  }

  /** A new device of the store hydrates from cursor 0: wall time, pages and rows. */
  async hydrate(
    storeIndex = 0,
    limit = 1000,
  ): Promise<{ seconds: number; rows: number; pages: number; requestMs: number }> {
    const store = this.stores[storeIndex];
    if (!store) throw new Error(`no store ${storeIndex}`);
    const id = store.rng.fork(`hydrating-device/${Date.now()}`).uuid();
    await this.registerDevice(store, id, 'New iPad');
    const device = new Device(
      id,
      store.storeId,
      store.session,
      this.deviceContext(1),
      store.rng.fork('hydrate-backoff'),
    );
    const pagesBefore = this.metrics.pullPages;
    const samplesBefore = this.metrics.latency.pull.count;
    let rows = 0;
    const started = performance.now();
    await device.pullAll({ limit, collect: (changes) => (rows += changes.length) });
    const seconds = (performance.now() - started) / 1000;
    const requestMs = this.metrics.latency.pull
      .values()
      .subarray(samplesBefore)
      .reduce((a, b) => a + b, 0);
    return {
      seconds: Math.round(seconds * 100) / 100,
      rows,
      pages: this.metrics.pullPages - pagesBefore,
      requestMs: Math.round(requestMs),
    };
  }

  /**
   * Reads every store back from cursor 0 with a freshly registered device (and each device's
   * lastMutationId and unacknowledged rejections), then checks the ledger against it.
   */
  async verify(
    opts: { concurrency?: number; pullLimit?: number } = {},
  ): Promise<{ report: CheckReport; seconds: number; rows: number }> {
    const started = performance.now();
    const states: ServerStoreState[] = [];
    let rows = 0;
    await pool(this.stores, opts.concurrency ?? 4, async (store) => {
      const verifierId = store.rng.fork(`verifier/${Date.now()}`).uuid();
      await this.registerDevice(store, verifierId, 'Ledger check');
      const verifier = new Device(
        verifierId,
        store.storeId,
        store.session,
        this.deviceContext(1),
        store.rng.fork('verifier-backoff'),
      );
      const latest = new Map<
        string,
        { entity: string; id: string; deleted: boolean; data: Record<string, unknown> | null }
      >();
      await verifier.pullAll({
        limit: opts.pullLimit ?? 5000,
        collect: (changes) => {
          rows += changes.length;
          for (const c of changes) latest.set(`${c.entity}:${c.id}`, c);
        },
      });
      const lastMutationIds: Record<string, number> = {};
      const rejectedIds: Record<string, number[]> = {};
      let rejectionsComplete = true;
      for (const d of store.devices) {
        const cursor = d.cursor;
        const last = await d.pullAll({ limit: 1, maxPages: 1 });
        d.cursor = cursor;
        lastMutationIds[d.id] = last?.lastMutationId ?? 0;
        rejectedIds[d.id] = (last?.rejections ?? []).map((r) => r.id);
        if ((last?.rejections.length ?? 0) >= 200 || !last) rejectionsComplete = false;
      }
      states.push(
        serverStateFromChanges(
          store.storeId,
          latest.values(),
          lastMutationIds,
          rejectionsComplete ? rejectedIds : undefined,
        ),
      );
    });
    const report = checkLedger(this.ledger.snapshot(), states);
    return { report, seconds: Math.round((performance.now() - started) / 100) / 10, rows };
  }

  close(): void {
    for (const s of this.stores) for (const d of s.devices) d.stop();
    this.client.close();
    for (const c of this.signupClients.values()) c.close();
  }
}
