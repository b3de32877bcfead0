/**
 * Issue 21's bench: the public booking page's free times (`GET /api/v1/public/stores/{slug}/
 * availability`) at a fixed offered rate spread over many stores' pages, as phones would ask:
 * open loop (a request leaves on schedule whether or not the earlier ones answered), a random
 * store, a day within the next two weeks, a random offered service, "anyone" or one technician.
 * The stores are the simulation's (signed up and seeded through the API); this module turns their
 * page on (a week of shifts for every technician, the store's online-booking settings) through
 * the same push API a desk uses.
 */
import { randomUUID } from 'node:crypto';
import type { HttpClient } from '../loadgen/src/http';
import { errorCode } from '../loadgen/src/http';
import type { SimStore } from '../loadgen/src/simulator';
import { summarize, type LatencySummary } from '../loadgen/src/stats';

export interface BookingPage {
  slug: string;
  serviceIds: string[];
  staffIds: string[];
}

/** Every technician works 9:00–19:00 every day: a full page of free times to compute. */
const SHIFTS = Array.from({ length: 7 }, (_, weekday) => ({
  weekday,
  startMin: 9 * 60,
  endMin: 19 * 60,
}));

/** Turns each store's booking page on; returns the pages. */
export async function openBookingPages(
  stores: readonly SimStore[],
  runTag: string,
): Promise<BookingPage[]> {
  const pages: BookingPage[] = [];
  for (const store of stores) {
    const device = store.devices[0];
    if (!device) throw new Error(`store ${store.storeId} has no device`);
    const slug = `bench-${runTag}-${store.index}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
    for (const s of store.catalog.staff) {
      device.enqueue(
        {
          name: 'staff.upsert',
          args: {
            id: s.id,
            displayName: s.displayName,
            role: 'technician',
            active: true,
            workingHours: SHIFTS,
          },
        },
        new Date(),
        false,
      );
    }
    device.enqueue({
      name: 'store.updateSettings',
      args: {
        onlineBooking: {
          enabled: true,
          slug,
          horizonDays: 60,
          minNoticeMin: 60,
          bufferMin: 10,
          serviceIds: [],
          staffIds: [],
        },
      },
    });
    pages.push({
      slug,
      serviceIds: store.catalog.services.map((s) => s.id),
      staffIds: store.catalog.staff.map((s) => s.id),
    });
  }
  await Promise.all(stores.map((s) => s.devices[0]!.drain()));
  return pages;
}

export interface AvailabilityRun {
  offeredPerSec: number;
  seconds: number;
  requests: number;
  answeredPerSec: number;
  latency: LatencySummary;
  /** Answers by status or error code ("200", "RATE_LIMITED", "NETWORK", …). */
  outcomes: Record<string, number>;
  /** Free times per 200 answer, on average (the pages are not empty). */
  meanTimes: number;
  stores: number;
}

function ymdPlus(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Offers `rate` requests a second for `seconds` over `pages` and waits for every answer. The
 * schedule is kept with a 10 ms tick; requests beyond the client's sockets queue in its agent
 * (their wait counts in the latency, as a phone's would).
 */
export async function offerAvailability(
  client: HttpClient,
  pages: readonly BookingPage[],
  opts: { rate: number; seconds: number; rng?: () => number },
): Promise<AvailabilityRun> {
  const rng = opts.rng ?? Math.random;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  let times = 0;
  let ok = 0;
  const inFlight: Promise<void>[] = [];
  const count = (key: string) => (outcomes[key] = (outcomes[key] ?? 0) + 1);

  const one = async () => {
    const page = pick(pages);
    const staff = rng() < 0.5 ? 'anyone' : pick(page.staffIds);
    const date = ymdPlus(1 + Math.floor(rng() * 14));
    const url =
      `/api/v1/public/stores/${page.slug}/availability?serviceId=${pick(page.serviceIds)}` +
      `&staffId=${staff}&date=${date}`;
    try {
      const res = await client.request('GET', url, {
        headers: { 'x-request-id': randomUUID() },
      });
      latencies.push(res.ms);
      if (res.status === 200) {
        ok++;
        times += (JSON.parse(res.body) as { times: unknown[] }).times.length;
        count('200');
      } else count(errorCode(res));
    } catch {
      count('NETWORK');
    }
  };

  const started = performance.now();
  const total = Math.round(opts.rate * opts.seconds);
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * opts.rate));
    for (; sent < due; sent++) inFlight.push(one());
    await new Promise((r) => setTimeout(r, 10));
  }
  const sentAllAt = performance.now();
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  return {
    offeredPerSec: Math.round((total / ((sentAllAt - started) / 1000)) * 10) / 10,
    seconds: Math.round(elapsed * 10) / 10,
    requests: total,
    answeredPerSec: Math.round((latencies.length / elapsed) * 10) / 10,
    latency: summarize(latencies),
    outcomes,
    meanTimes: ok === 0 ? 0 : Math.round((times / ok) * 10) / 10,
    stores: pages.length,
  };
}

/** `mango_cache_requests_total` by kind, from the server's /metrics. */
export async function cacheCounters(
  client: HttpClient,
  metricsToken?: string,
): Promise<{ hit: number; miss: number }> {
  const res = await client.request('GET', '/metrics', metricsToken ? { token: metricsToken } : {});
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const value = (kind: string) => {
    const m = new RegExp(`^mango_cache_requests_total\\{kind="${kind}"\\} (\\S+)$`, 'm').exec(
      res.body,
    );
    return m ? Number(m[1]) : 0;
  };
  return { hit: value('hit'), miss: value('miss') };
}
