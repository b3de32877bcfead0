/**
 * The protocol's convergence promise, end to end: 2–4 devices running the REAL device sync engine
 * (@mango/sync-client over fake-indexeddb, through its HTTP transport) against the REAL server
 * app (on PGlite and PostgreSQL), over a network that goes offline, loses responses after the
 * server committed, and delivers pushes twice. Whatever the interleaving, once everyone is back
 * online and has synced, every device's replica equals the server's state, nothing was applied
 * twice, and the money invariants hold on every ticket.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { ENTITY_NAMES, type PaymentRow, type TicketRow } from '@mango/domain/entities';
import { checkTicketInvariants } from '@mango/domain/ticket-invariants';
import { approveWithPin, type ApprovalKeyParams } from '@mango/protocol';
import type { FetchLike, MutateOptions, SyncEngine } from '@mango/sync-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import { injectRequest, silentEventStream, startTestEngine } from '../test-support/device-engine';
import {
  approvalParamsOf,
  makeTestApp,
  pullAll,
  registerDevice,
  setStaffPinAsOwner,
  signupStore,
  type TestStore,
} from '../test-support/test-app';

type PushFault = 'none' | 'lost-response' | 'duplicate' | 'refused';

/**
 * What the network does to one device's requests: `faults[n]` happens to its n-th push, and the
 * pushes after the list are delivered normally (a real network fails for a while, not forever).
 */
interface Link {
  offline: boolean;
  faults: PushFault[];
  pushes: number;
  /** How many pushes each fault actually hit (a fault on an empty link never happens). */
  faulted: Record<PushFault, number>;
  /** Every status the server gave each mutation id, including answers the device never saw. */
  outcomes: Map<number, string[]>;
  /** The codes of the server's rejections, as answered. */
  rejectedCodes: string[];
}

/** Fetch over `app.inject`, with the link's faults applied to pushes. */
function linkedFetch(app: FastifyInstance, link: Link): FetchLike {
  const deliver = async (input: string, init?: RequestInit): Promise<Response> => {
    const { response, raw } = await injectRequest(app, input, init);
    if (new URL(input).pathname.endsWith('/sync/push') && raw.statusCode === 200) {
      const { results } = JSON.parse(raw.body) as {
        results: { id: number; status: string; error?: { code: string } }[];
      };
      for (const r of results) {
        link.outcomes.set(r.id, [...(link.outcomes.get(r.id) ?? []), r.status]);
        if (r.error) link.rejectedCodes.push(r.error.code);
      }
    }
    return response;
  };
  return async (input, init) => {
    if (input.includes('/sync/events')) return silentEventStream(init);
    if (link.offline) throw new TypeError('fetch failed (offline)');
    if (!input.includes('/sync/push')) return deliver(input, init);
    const fault = link.faults[link.pushes++] ?? 'none';
    link.faulted[fault]++;
    switch (fault) {
      case 'refused':
        throw new TypeError('fetch failed (connection refused)');
      case 'lost-response':
        await deliver(input, init); // the server commits…
        throw new TypeError('fetch failed (connection reset)'); // …and the answer never arrives
      case 'duplicate':
        await deliver(input, init); // a proxy retried the request on its own
        return deliver(input, init);
      default:
        return deliver(input, init);
    }
  };
}

interface Device {
  engine: SyncEngine;
  link: Link;
  deviceId: string;
}

async function makeDevice(
  app: FastifyInstance,
  store: TestStore,
  faults: PushFault[],
): Promise<Device> {
  const deviceId = await registerDevice(app, store.storeId, store.auth);
  const link: Link = {
    offline: false,
    faults,
    pushes: 0,
    faulted: { none: 0, 'lost-response': 0, duplicate: 0, refused: 0 },
    outcomes: new Map(),
    rejectedCodes: [],
  };
  const engine = await startTestEngine(store, deviceId, linkedFetch(app, link), {
    pushMaxMutations: 7, // several batches per sync, so faults land between them too
  });
  return { engine, link, deviceId };
}

// The shared world of ids the devices act on (fixed per run; every run gets a new store).
const TICKETS = ['t0', 't1', 't2'] as const;
const LINES = ['l0', 'l1', 'l2', 'l3', 'l4'] as const;
const PAYMENTS = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'] as const;
const CLIENTS = ['c0', 'c1'] as const;

type Ref =
  | (typeof TICKETS)[number]
  | (typeof LINES)[number]
  | (typeof PAYMENTS)[number]
  | (typeof CLIENTS)[number];

/** Who is at the desk for a step: the signed-in owner, or staff switched in by PIN. */
type Who = 'owner' | 'manager' | 'frontDesk';

interface Step {
  device: number;
  who: Who;
  /** For an override by the front desk: a manager approves it with their PIN. */
  approved: boolean;
  action:
    | { kind: 'mutate'; name: string; args: Record<string, unknown> }
    | { kind: 'offline' }
    | { kind: 'online' }
    | { kind: 'sync' }
    | {
        kind: 'checkout';
        ticket: string;
        line: string;
        cash: string;
        card: string;
        cashShareBps: number;
        tipCents: number;
      };
}

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);

/** Arguments use symbolic refs ('t0', 'p3'…) that the run maps to fresh UUIDs. */
const mutation = fc.oneof(
  { weight: 2, arbitrary: pick(TICKETS).map((id) => ({ name: 'ticket.open', args: { id } })) },
  {
    weight: 3,
    arbitrary: fc
      .record({
        ticketId: pick(TICKETS),
        lineId: pick(LINES),
        product: fc.boolean(),
        quantity: fc.integer({ min: 1, max: 3 }),
      })
      .map(({ product, ...a }) => ({
        name: 'ticket.addLine',
        args: {
          ...a,
          kind: product ? 'product' : 'service',
          itemId: product ? 'product' : 'service',
          staffId: 'staff',
        },
      })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({
        ticketId: pick(TICKETS),
        paymentId: pick(PAYMENTS),
        method: pick(['cash', 'card', 'other'] as const),
        amountCents: fc.integer({ min: 1, max: 9000 }),
        tipCents: fc.integer({ min: 0, max: 800 }),
      })
      .map(({ tipCents, ...a }) => ({
        name: 'ticket.addPayment',
        args: { ...a, ...(a.method === 'card' ? { tipCents } : {}) },
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ ticketId: pick(TICKETS), paymentId: pick(PAYMENTS) })
      .map((args) => ({ name: 'ticket.removePayment', args })),
  },
  {
    weight: 2,
    arbitrary: pick(TICKETS).map((ticketId) => ({ name: 'ticket.close', args: { ticketId } })),
  },
  {
    weight: 1,
    arbitrary: pick(TICKETS).map((ticketId) => ({
      name: 'ticket.void',
      args: { ticketId, reason: 'mistake' },
    })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        id: pick(CLIENTS),
        firstName: pick(['Ana', 'Bao', 'Chi']),
        phone: pick(['5550101', '5550102']),
      })
      .map((args) => ({ name: 'client.upsert', args: { ...args, lastName: 'Nguyen' } })),
  },
);

const step = (devices: number): fc.Arbitrary<Step> =>
  fc.record({
    device: fc.integer({ min: 0, max: devices - 1 }),
    who: pick(['owner', 'manager', 'frontDesk', 'frontDesk'] as const),
    approved: fc.boolean(),
    action: fc.oneof(
      { weight: 8, arbitrary: mutation.map((m) => ({ kind: 'mutate' as const, ...m })) },
      { weight: 1, arbitrary: fc.constant({ kind: 'offline' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'online' as const }) },
      { weight: 2, arbitrary: fc.constant({ kind: 'sync' as const }) },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('checkout' as const),
          ticket: pick(TICKETS),
          line: pick(LINES),
          cash: pick(PAYMENTS),
          card: pick(PAYMENTS),
          cashShareBps: fc.integer({ min: 0, max: 10_000 }),
          tipCents: fc.integer({ min: 0, max: 900 }),
        }),
      },
    ),
  });

const scenario = fc.integer({ min: 2, max: 4 }).chain((devices) =>
  fc.record({
    faults: fc.array(
      fc.array(pick(['none', 'none', 'lost-response', 'duplicate', 'refused'] as const), {
        minLength: 1,
        maxLength: 6,
      }),
      {
        minLength: devices,
        maxLength: devices,
      },
    ),
    steps: fc.array(step(devices), { minLength: 5, maxLength: 40 }),
  }),
);

/** Replaces the symbolic refs in args by this run's UUIDs. */
function resolveRefs(
  args: Record<string, unknown>,
  uuidOf: (ref: string) => string,
): Record<string, unknown> {
  const refKeys = ['id', 'ticketId', 'lineId', 'paymentId', 'itemId', 'staffId'];
  return Object.fromEntries(
    Object.entries(args).map(([k, v]) => [
      k,
      refKeys.includes(k) && typeof v === 'string' ? uuidOf(v as Ref) : v,
    ]),
  );
}

/**
 * The front desk's usual sequence on one device: open, add a service, split the balance between
 * cash and card (with a tip), close. Each step may be refused by the local view (the ticket was
 * closed elsewhere…); what was accepted is queued like any other work.
 */
async function checkout(
  engine: SyncEngine,
  a: Extract<Step['action'], { kind: 'checkout' }>,
  uuidOf: (ref: string) => string,
  opts: MutateOptions,
): Promise<void> {
  const ticketId = uuidOf(a.ticket);
  const attempt = (name: string, args: Record<string, unknown>) =>
    engine.mutate(name, args, opts).catch(() => undefined);
  await attempt('ticket.open', { id: ticketId });
  await attempt('ticket.addLine', {
    ticketId,
    lineId: uuidOf(a.line),
    kind: 'service',
    itemId: uuidOf('service'),
    staffId: uuidOf('staff'),
  });
  const ticket = (await engine.store.get('ticket', ticketId)) as TicketRow | undefined;
  const balance = ticket ? ticket.totalCents - (ticket.paidCents - ticket.changeCents) : 0;
  if (balance > 0) {
    const cash = Math.floor((balance * a.cashShareBps) / 10_000);
    if (cash > 0)
      await attempt('ticket.addPayment', {
        ticketId,
        paymentId: uuidOf(a.cash),
        method: 'cash',
        amountCents: cash,
      });
    if (balance - cash > 0)
      await attempt('ticket.addPayment', {
        ticketId,
        paymentId: uuidOf(a.card),
        method: 'card',
        amountCents: balance - cash,
        tipCents: a.tipCents,
      });
  }
  await attempt('ticket.close', { ticketId });
}

async function syncUntilQuiet(device: Device): Promise<void> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const result = await device.engine.syncNow();
    if (result.ok && (await device.engine.store.outboxCount()) === 0) return;
  }
  throw new Error(`device did not drain its outbox: ${JSON.stringify(device.engine.status())}`);
}

/** Overrides the front desk may make only with a manager's approval. */
const OVERRIDES = new Set(['ticket.void', 'ticket.removePayment']);
const MANAGER_PIN = '2468';

describeEachEngine('convergence of devices running the sync engine', (getDb) => {
  let app: FastifyInstance;
  let approvalParams: ApprovalKeyParams;

  beforeAll(async () => {
    app = await makeTestApp(getDb());
  });
  afterAll(async () => {
    await app.close();
  });

  it('any interleaving of offline work, lost responses and duplicate deliveries converges', async () => {
    let runs = 0;
    const seen = {
      closedTickets: 0,
      payments: 0,
      lostResponses: 0,
      duplicates: 0,
      approvedQueued: 0,
      byStaff: 0,
    };
    await fc.assert(
      fc.asyncProperty(scenario, async ({ faults, steps }) => {
        runs++;
        const store = await signupStore(app, `Converge${runs}`);
        const refs = new Map<string, string>();
        const uuidOf = (ref: string) => {
          if (!refs.has(ref)) refs.set(ref, randomUUID());
          return refs.get(ref)!;
        };
        const devices: Device[] = [];
        try {
          for (const f of faults) devices.push(await makeDevice(app, store, f));
          // The catalog every device starts from (as after the owner set the store up).
          const first = devices[0]!.engine;
          await first.mutate('staff.upsert', {
            id: uuidOf('staff'),
            displayName: 'Linh',
            role: 'technician',
            active: true,
          });
          await first.mutate('service.upsert', {
            id: uuidOf('service'),
            name: 'Pedicure',
            durationMin: 45,
            priceCents: 4500,
            taxable: true,
          });
          await first.mutate('product.upsert', {
            id: uuidOf('product'),
            sku: 'OIL-1',
            name: 'Cuticle oil',
            priceCents: 1299,
            taxable: true,
            stockCount: 100,
          });
          // A manager and a front desk member with PINs; the devices act as them after a switch.
          await first.mutate('staff.upsert', {
            id: uuidOf('manager'),
            displayName: 'Mia',
            role: 'manager',
            active: true,
          });
          await first.mutate('staff.upsert', {
            id: uuidOf('frontDesk'),
            displayName: 'Fay',
            role: 'front_desk',
            active: true,
          });
          for (const d of devices) await syncUntilQuiet(d);
          await setStaffPinAsOwner(app, store, uuidOf('manager'), MANAGER_PIN);
          approvalParams = await approvalParamsOf(app, store, uuidOf('manager'));
          const actingAs = (d: Device, who: Who): MutateOptions => {
            if (who === 'owner') return {};
            seen.byStaff++;
            return {
              actor: {
                userId: store.session.user.id,
                staffId: uuidOf(who),
                role: who === 'manager' ? 'manager' : 'front_desk',
                deviceId: d.deviceId,
              },
            };
          };

          // Every run has at least one approved override: the front desk opens a ticket and a
          // manager approves its void with their PIN (on a device that may go offline below).
          {
            const d = devices[devices.length - 1]!;
            const desk = actingAs(d, 'frontDesk');
            const ticketId = uuidOf('tv');
            await d.engine.mutate('ticket.open', { id: ticketId }, desk);
            const args = { ticketId, reason: 'client left' };
            const approval = await approveWithPin(MANAGER_PIN, approvalParams, {
              storeId: store.storeId,
              deviceId: d.deviceId,
              staffId: uuidOf('manager'),
              name: 'ticket.void',
              args,
            });
            await d.engine.mutate('ticket.void', args, {
              actor: { ...desk.actor!, approvedBy: uuidOf('manager') },
              approval,
            });
            seen.approvedQueued++;
          }

          for (const { device, who, approved, action } of steps) {
            const d = devices[device]!;
            if (action.kind === 'offline') {
              d.link.offline = true;
              d.engine.setOnline(false);
            } else if (action.kind === 'online') {
              d.link.offline = false;
              d.engine.nudge('online');
            } else if (action.kind === 'sync') {
              await d.engine.syncNow();
            } else if (action.kind === 'checkout') {
              await checkout(d.engine, action, uuidOf, actingAs(d, who));
            } else {
              const args = resolveRefs(action.args, uuidOf);
              const opts = actingAs(d, who);
              if (who === 'frontDesk' && approved && OVERRIDES.has(action.name)) {
                opts.approval = await approveWithPin(MANAGER_PIN, approvalParams, {
                  storeId: store.storeId,
                  deviceId: d.deviceId,
                  staffId: uuidOf('manager'),
                  name: action.name,
                  args,
                });
                opts.actor = { ...opts.actor!, approvedBy: uuidOf('manager') };
              }
              // A mutation the local view refuses (unknown ticket, overpaid, no approval…) is
              // never queued.
              const queued = await d.engine.mutate(action.name, args, opts).then(
                () => true,
                () => false,
              );
              if (queued && opts.approval) seen.approvedQueued++;
            }
          }

          for (const d of devices) d.link.offline = false;
          for (const d of devices) await syncUntilQuiet(d);
          for (const d of devices) await syncUntilQuiet(d); // pull what the others pushed last

          const checker = await registerDevice(app, store.storeId, store.auth);
          const { replica } = await pullAll(app, store, checker);
          const serverRows = (entity: string) =>
            [...replica.entries()]
              .filter(([k]) => k.startsWith(`${entity}:`))
              .map(([, v]) => v.data as { id: string })
              .sort((a, b) => (a.id < b.id ? -1 : 1));

          for (const [i, d] of devices.entries()) {
            for (const entity of ENTITY_NAMES) {
              const local = [...(await d.engine.store.list(entity))].sort((a, b) =>
                a.id < b.id ? -1 : 1,
              );
              expect(local, `device ${i} ${entity}`).toEqual(serverRows(entity));
            }
          }

          // Exactly once on the wire: whatever was resent, each mutation id took effect (applied
          // or rejected) once; every later delivery of it was answered `duplicate`.
          for (const [i, d] of devices.entries()) {
            for (const [id, statuses] of d.link.outcomes) {
              const effects = statuses.filter((s) => s !== 'duplicate');
              expect(effects.length, `device ${i} mutation ${id}: ${statuses.join(',')}`).toBe(1);
            }
          }

          // The devices queued only what their actor may do (overrides with a valid approval):
          // the server, deciding on its own, agreed with every one of them.
          for (const d of devices) {
            expect(d.link.rejectedCodes).not.toContain('APPROVAL_INVALID');
            expect(d.link.rejectedCodes).not.toContain('APPROVAL_REQUIRED');
            expect(d.link.rejectedCodes).not.toContain('ACTING_STAFF_INVALID');
            expect(d.link.rejectedCodes).not.toContain('FORBIDDEN_ROLE');
          }

          // The approved void took effect on the server.
          expect(
            (serverRows('ticket') as unknown as TicketRow[]).find((x) => x.id === uuidOf('tv'))
              ?.status,
          ).toBe('voided');

          // Exactly once in the data: each payment id exists once, and the ticket's paid sum is its payments.
          const storeRow = serverRows('store')[0] as unknown as { taxRatePpm: number };
          const payments = serverRows('payment') as unknown as PaymentRow[];
          expect(new Set(payments.map((p) => p.id)).size).toBe(payments.length);
          for (const ticket of serverRows('ticket') as unknown as TicketRow[]) {
            const problems = checkTicketInvariants(
              {
                ticket,
                lines: serverRows('ticketLine').filter(
                  (l) => (l as unknown as { ticketId: string }).ticketId === ticket.id,
                ) as never,
                payments: payments.filter((p) => p.ticketId === ticket.id),
              },
              storeRow.taxRatePpm,
            );
            expect(problems, `ticket ${ticket.id}`).toEqual([]);
          }
          seen.closedTickets += (serverRows('ticket') as unknown as TicketRow[]).filter(
            (t) => t.status === 'closed',
          ).length;
          seen.payments += payments.length;
        } finally {
          for (const d of devices) {
            await d.engine.stop();
            seen.lostResponses += d.link.faulted['lost-response'];
            seen.duplicates += d.link.faulted.duplicate;
          }
        }
      }),
      { numRuns: 12 },
    );
    // The property is only as strong as what it exercised: make sure money moved and faults hit.
    expect(runs).toBe(12);
    expect(seen.closedTickets).toBeGreaterThan(0);
    expect(seen.payments).toBeGreaterThan(0);
    expect(seen.lostResponses).toBeGreaterThan(0);
    expect(seen.duplicates).toBeGreaterThan(0);
    expect(seen.byStaff).toBeGreaterThan(0);
    expect(seen.approvedQueued).toBeGreaterThan(0);
  });
});
