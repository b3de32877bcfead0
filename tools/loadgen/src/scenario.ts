import { computeTicketTotals, type PaymentMethod } from '@mango/domain';
import type { Effect } from './ledger';
import type { Rng } from './prng';

/**
 * What a salon does, as mutations of the real protocol. Everything here is a pure function of a
 * seeded generator (and of the times passed in), so a scenario is repeatable for a seed.
 */

export interface PlannedMutation {
  name: string;
  args: Record<string, unknown>;
  effect?: Effect;
}

/** Mutations a device sends together, some time after the previous step of the same visit. */
export interface Step {
  delayMs: number;
  mutations: PlannedMutation[];
}

export interface CatalogItem {
  id: string;
  name: string;
  priceCents: number;
  taxable: boolean;
}
export interface Service extends CatalogItem {
  durationMin: number;
}
export interface Client {
  id: string;
  firstName: string;
  lastName: string;
  phone: string | null;
}

export interface StoreCatalog {
  taxRatePpm: number;
  staff: { id: string; displayName: string }[];
  services: Service[];
  products: CatalogItem[];
  clients: Client[];
}

const FIRST = [
  'Ana',
  'Bao',
  'Chloe',
  'Dee',
  'Eli',
  'Fatima',
  'Grace',
  'Hana',
  'Ivy',
  'Jade',
  'Kim',
  'Lan',
  'Maya',
  'Nora',
  'Olga',
  'Priya',
  'Quinn',
  'Rosa',
  'Sara',
  'Tam',
  'Uma',
  'Vy',
  'Wen',
  'Xia',
  'Yara',
  'Zoe',
];
const LAST = [
  'Nguyen',
  'Tran',
  'Le',
  'Pham',
  'Smith',
  'Garcia',
  'Johnson',
  'Lee',
  'Brown',
  'Kim',
  'Lopez',
  'Patel',
  'Chen',
  'Davis',
  'Wong',
  'Martin',
];
const SERVICES: [string, number, number][] = [
  ['Manicure', 30, 2500],
  ['Gel manicure', 45, 4000],
  ['Pedicure', 45, 3500],
  ['Spa pedicure', 60, 5500],
  ['Acrylic full set', 75, 6000],
  ['Fill', 45, 4000],
  ['Dip powder', 60, 4500],
  ['Nail art', 15, 1000],
  ['Polish change', 15, 1200],
  ['Eyebrow wax', 15, 1500],
  ['Haircut', 45, 4500],
  ['Blowout', 30, 3500],
  ['Color', 90, 9500],
  ['Facial', 60, 7500],
];
const PRODUCTS: [string, number][] = [
  ['Cuticle oil', 1200],
  ['Hand cream', 1800],
  ['Nail polish', 1000],
  ['Top coat', 1100],
  ['File kit', 800],
  ['Shampoo', 2400],
  ['Conditioner', 2400],
  ['Serum', 3900],
];
/** Store tax rates in ppm: 0 %, 6 %, 7.25 %, 8.25 %, 8.875 % (three decimals), 10 %. */
export const TAX_RATES = [0, 60_000, 72_500, 82_500, 88_750, 100_000];

export function makeClient(rng: Rng): Client {
  return {
    id: rng.uuid(),
    firstName: rng.pick(FIRST),
    lastName: rng.pick(LAST),
    phone: rng.chance(0.85) ? `+1555${String(rng.int(0, 9_999_999)).padStart(7, '0')}` : null,
  };
}

export function makeCatalog(rng: Rng, opts: { clients: number; taxRatePpm: number }): StoreCatalog {
  const staffCount = rng.int(4, 9);
  const services = [...SERVICES]
    .filter(() => rng.chance(0.75))
    .map(([name, durationMin, priceCents]) => ({
      id: rng.uuid(),
      name,
      durationMin,
      priceCents: priceCents + rng.int(-2, 4) * 100,
      taxable: rng.chance(0.3),
    }));
  if (services.length === 0) {
    services.push({
      id: rng.uuid(),
      name: 'Manicure',
      durationMin: 30,
      priceCents: 2500,
      taxable: false,
    });
  }
  const products = PRODUCTS.filter(() => rng.chance(0.6)).map(([name, priceCents]) => ({
    id: rng.uuid(),
    name,
    priceCents,
    taxable: true,
  }));
  if (products.length === 0)
    products.push({ id: rng.uuid(), name: 'Nail polish', priceCents: 1000, taxable: true });
  return {
    taxRatePpm: opts.taxRatePpm,
    staff: Array.from({ length: staffCount }, (_, i) => ({
      id: rng.uuid(),
      displayName: `${rng.pick(FIRST)} ${String.fromCharCode(65 + i)}.`,
    })),
    services,
    products,
    clients: Array.from({ length: opts.clients }, () => makeClient(rng)),
  };
}

export function clientMutation(c: Client): PlannedMutation {
  return {
    name: 'client.upsert',
    args: { id: c.id, firstName: c.firstName, lastName: c.lastName, phone: c.phone },
    effect: { t: 'client', id: c.id, firstName: c.firstName, lastName: c.lastName, phone: c.phone },
  };
}

/** The store's set-up: staff, services, products and clients (in that order, for references). */
export function catalogMutations(cat: StoreCatalog): PlannedMutation[] {
  return [
    ...cat.staff.map((s) => ({
      name: 'staff.upsert',
      args: { id: s.id, displayName: s.displayName, role: 'technician', active: true },
    })),
    ...cat.services.map((s) => ({
      name: 'service.upsert',
      args: {
        id: s.id,
        name: s.name,
        durationMin: s.durationMin,
        priceCents: s.priceCents,
        taxable: s.taxable,
      },
    })),
    ...cat.products.map((p) => ({
      name: 'product.upsert',
      args: {
        id: p.id,
        name: p.name,
        priceCents: p.priceCents,
        taxable: p.taxable,
        stockCount: 1000,
      },
    })),
    ...cat.clients.map(clientMutation),
  ];
}

export interface GiftCard {
  id: string;
  balanceCents: number;
}

/** Sells a gift card on its own ticket (paid by card); it becomes usable when the ticket closes. */
export function giftCardSale(
  rng: Rng,
  amountCents: number,
): { card: GiftCard; mutations: PlannedMutation[] } {
  const ticketId = rng.uuid();
  const card = { id: rng.uuid(), balanceCents: amountCents };
  const paymentId = rng.uuid();
  const code = `GC${String(rng.nextUint32()).padStart(10, '0')}`;
  return {
    card,
    mutations: [
      { name: 'ticket.open', args: { id: ticketId } },
      {
        name: 'ticket.addGiftCardLine',
        args: { ticketId, lineId: rng.uuid(), giftCardId: card.id, code, amountCents },
      },
      {
        name: 'ticket.addPayment',
        args: { ticketId, paymentId, method: 'card', amountCents },
        effect: { t: 'payment', id: paymentId, ticketId, amountCents, tipCents: 0, changeCents: 0 },
      },
      {
        name: 'ticket.close',
        args: { ticketId },
        effect: {
          t: 'close',
          ticketId,
          totalCents: amountCents,
          paidCents: amountCents,
          changeCents: 0,
          tipCents: 0,
        },
      },
    ],
  };
}

interface Tender {
  method: PaymentMethod;
  amountCents: number;
  tipCents: number;
  changeCents: number;
  giftCardId?: string;
}

interface ClosedTicket {
  ticketId: string;
  refundableCents: number;
  /** When its visit's close step is due (ms since the epoch, the plan's clock). */
  closesAt: number;
}

/**
 * A refund is planned only on a ticket whose close is due this long (in scenario minutes) before
 * the refund: visits run side by side, each step after its own sleep, so a refund planned by a
 * short visit could otherwise be sent before a longer earlier visit had even opened its ticket
 * (the server rightly rejected it: 4 TICKET_NOT_FOUND in every Phase 4 peak run).
 */
const REFUND_AFTER_CLOSE_MIN = 5;

export interface VisitOptions {
  /** The visit's time (checkout time for a live day; the historic day for seeding). */
  at: Date;
  /** Scale of the delays between the steps of a visit (1 = real minutes; small for a bench). */
  timeScale: number;
  /** History: no appointments' check-in, no walk-in list, no refunds or edits, one step. */
  history?: boolean;
}

/**
 * The front desk of one device: plans visits (appointment or walk-in → ticket → split payments →
 * close), refunds of its own earlier tickets and edits of the clients it owns. Deterministic for
 * its generator; it never depends on what the server answered.
 */
export class DevicePlanner {
  private readonly closed: ClosedTicket[] = [];
  private readonly ownClients: Client[];
  visits = 0;

  constructor(
    private readonly rng: Rng,
    private readonly cat: StoreCatalog,
    ownClients: Client[],
    private readonly giftCards: GiftCard[],
    private readonly appointmentShare = 0.55,
  ) {
    this.ownClients = [...ownClients];
  }

  private lineFor(
    kind: 'service' | 'product',
    item: CatalogItem,
    staffId: string | undefined,
    quantity: number,
  ) {
    return { kind, item, staffId, quantity };
  }

  /** The tenders for a total: cash with change, card with tip, gift card, splits. */
  private tenders(totalCents: number, serviceCents: number): Tender[] {
    const rng = this.rng;
    const tip = () => Math.round((serviceCents * rng.int(15, 25)) / 100);
    const roll = rng.next();
    if (totalCents === 0) return [];
    if (roll < 0.4)
      return [{ method: 'card', amountCents: totalCents, tipCents: tip(), changeCents: 0 }];
    if (roll < 0.62) {
      const bill = rng.pick([500, 1000, 2000, 5000]);
      const tendered = Math.ceil(totalCents / bill) * bill;
      return [
        { method: 'cash', amountCents: tendered, tipCents: 0, changeCents: tendered - totalCents },
      ];
    }
    if (roll < 0.82 && totalCents > 200) {
      const cash = Math.min(totalCents - 100, rng.pick([1000, 2000, 2500]));
      if (cash > 0) {
        return [
          { method: 'cash', amountCents: cash, tipCents: 0, changeCents: 0 },
          { method: 'card', amountCents: totalCents - cash, tipCents: tip(), changeCents: 0 },
        ];
      }
    }
    if (roll < 0.95) {
      const card = this.giftCards.find((g) => g.balanceCents > 0);
      if (card) {
        const fromCard = Math.min(card.balanceCents, Math.max(1, Math.floor(totalCents / 2)));
        card.balanceCents -= fromCard;
        const rest = totalCents - fromCard;
        const out: Tender[] = [
          {
            method: 'gift_card',
            amountCents: fromCard,
            tipCents: 0,
            changeCents: 0,
            giftCardId: card.id,
          },
        ];
        if (rest > 0)
          out.push({ method: 'card', amountCents: rest, tipCents: tip(), changeCents: 0 });
        return out;
      }
    }
    return [{ method: 'other', amountCents: totalCents, tipCents: 0, changeCents: 0 }];
  }

  /** One client visit, as steps. */
  visit(opts: VisitOptions): Step[] {
    const rng = this.rng;
    const cat = this.cat;
    this.visits++;
    const iso = (ms: number) => new Date(opts.at.getTime() + ms).toISOString();
    const min = 60_000 * opts.timeScale;
    const steps: Step[] = [];
    const first: PlannedMutation[] = [];

    let client: Client | undefined;
    if ((!opts.history && rng.chance(0.15)) || this.ownClients.length === 0) {
      client = {
        id: rng.uuid(),
        firstName: rng.pick(FIRST),
        lastName: rng.pick(LAST),
        phone: `+1555${String(rng.int(0, 9_999_999)).padStart(7, '0')}`,
      };
      this.ownClients.push(client);
      first.push(clientMutation(client));
    } else if (rng.chance(0.85)) {
      client = rng.pick(this.ownClients);
    }
    const staff = rng.pick(cat.staff);
    const service = rng.pick(cat.services);
    const ticketId = rng.uuid();
    const firstLineId = rng.uuid();
    const lines = [this.lineFor('service', service, staff.id, 1)];
    const viaAppointment = rng.chance(this.appointmentShare);
    const appointmentId = rng.uuid();
    const walkInId = rng.uuid();

    const ticketMutations: PlannedMutation[] = [];
    if (viaAppointment) {
      first.push({
        name: 'appointment.book',
        args: {
          id: appointmentId,
          staffId: staff.id,
          serviceId: service.id,
          start: iso(-service.durationMin * min),
          ...(client ? { clientId: client.id } : {}),
        },
      });
      if (!opts.history) steps.push({ delayMs: 0, mutations: first.splice(0) });
      const checkIn = { name: 'appointment.checkIn', args: { id: appointmentId } };
      if (opts.history) first.push(checkIn);
      else steps.push({ delayMs: 5 * min, mutations: [checkIn] });
      ticketMutations.push({
        name: 'appointment.complete',
        args: { id: appointmentId, ticketId, lineId: firstLineId },
      });
    } else {
      if (!opts.history) {
        first.push({
          name: 'walkIn.add',
          args: {
            id: walkInId,
            name: client ? client.firstName : 'Walk-in',
            serviceId: service.id,
            ...(client ? { clientId: client.id } : {}),
          },
        });
        steps.push({ delayMs: 0, mutations: first.splice(0) });
      }
      ticketMutations.push({
        name: 'ticket.open',
        args: { id: ticketId, ...(client ? { clientId: client.id } : {}) },
      });
      ticketMutations.push({
        name: 'ticket.addLine',
        args: {
          ticketId,
          lineId: firstLineId,
          kind: 'service',
          itemId: service.id,
          staffId: staff.id,
        },
      });
    }
    if (rng.chance(0.2)) {
      const extra = rng.pick(cat.services);
      const extraStaff = rng.pick(cat.staff);
      lines.push(this.lineFor('service', extra, extraStaff.id, 1));
      ticketMutations.push({
        name: 'ticket.addLine',
        args: {
          ticketId,
          lineId: rng.uuid(),
          kind: 'service',
          itemId: extra.id,
          staffId: extraStaff.id,
        },
      });
    }
    if (rng.chance(0.3)) {
      const product = rng.pick(cat.products);
      const quantity = rng.int(1, 2);
      lines.push(this.lineFor('product', product, undefined, quantity));
      ticketMutations.push({
        name: 'ticket.addLine',
        args: { ticketId, lineId: rng.uuid(), kind: 'product', itemId: product.id, quantity },
      });
    }
    const totals = computeTicketTotals(
      lines.map((l) => ({
        kind: l.kind,
        quantity: l.quantity,
        unitPriceCents: l.item.priceCents,
        taxable: l.item.taxable,
        comp: false,
      })),
      null,
      cat.taxRatePpm,
    );
    const serviceCents = lines
      .filter((l) => l.kind === 'service')
      .reduce((n, l) => n + l.item.priceCents, 0);
    const tenders = this.tenders(totals.totalCents, serviceCents);
    for (const t of tenders) {
      const paymentId = rng.uuid();
      ticketMutations.push({
        name: 'ticket.addPayment',
        args: {
          ticketId,
          paymentId,
          method: t.method,
          amountCents: t.amountCents,
          ...(t.tipCents > 0 ? { tipCents: t.tipCents } : {}),
          ...(t.giftCardId ? { giftCardId: t.giftCardId } : {}),
        },
        effect: {
          t: 'payment',
          id: paymentId,
          ticketId,
          amountCents: t.amountCents,
          tipCents: t.tipCents,
          changeCents: t.changeCents,
        },
      });
    }
    const paid = tenders.reduce((n, t) => n + t.amountCents, 0);
    const change = tenders.reduce((n, t) => n + t.changeCents, 0);
    ticketMutations.push({
      name: 'ticket.close',
      args: { ticketId },
      effect: {
        t: 'close',
        ticketId,
        totalCents: totals.totalCents,
        paidCents: paid,
        changeCents: change,
        tipCents: tenders.reduce((n, t) => n + t.tipCents, 0),
      },
    });
    const refundable = paid - change;
    steps.push({
      delayMs: opts.history ? 0 : service.durationMin * min,
      mutations: [...first, ...ticketMutations],
    });
    // Each step waits for the one before it: the ticket step is due after all their delays.
    const closesAt = opts.at.getTime() + steps.reduce((n, s) => n + s.delayMs, 0);

    if (!opts.history) {
      const later: PlannedMutation[] = [];
      // A refund on one of this device's earlier tickets (2 % of visits), closed by then.
      const refundAt = closesAt + 2 * min;
      const closed = this.closed.filter(
        (c) => c.closesAt + REFUND_AFTER_CLOSE_MIN * min <= refundAt,
      );
      if (rng.chance(0.02) && closed.length > 0) {
        const target = rng.pick(closed);
        if (target.refundableCents > 0) {
          const amountCents = rng.chance(0.5)
            ? target.refundableCents
            : Math.max(1, Math.floor(target.refundableCents / 3));
          target.refundableCents -= amountCents;
          const refundId = rng.uuid();
          later.push({
            name: 'ticket.refund',
            args: {
              ticketId: target.ticketId,
              refundId,
              amountCents,
              method: rng.chance(0.5) ? 'card' : 'cash',
              reason: 'Client not satisfied',
            },
            effect: { t: 'refund', id: refundId, ticketId: target.ticketId, amountCents },
          });
        }
      }
      // A client edit (new phone number, married name) on 10 % of visits.
      if (rng.chance(0.1) && this.ownClients.length > 0) {
        const c = rng.pick(this.ownClients);
        const edited: Client = rng.chance(0.5)
          ? { ...c, phone: `+1555${String(rng.int(0, 9_999_999)).padStart(7, '0')}` }
          : { ...c, lastName: rng.pick(LAST) };
        Object.assign(c, edited);
        later.push(clientMutation(edited));
      }
      if (later.length > 0) steps.push({ delayMs: 2 * min, mutations: later });
    }
    if (refundable > 0) this.closed.push({ ticketId, refundableCents: refundable, closesAt });
    return steps;
  }
}

/**
 * A closed ticket for history seeding: a back-dated visit in one step (open or appointment,
 * lines, payments, close).
 */
export function historyVisit(planner: DevicePlanner, at: Date): PlannedMutation[] {
  return planner.visit({ at, timeScale: 0, history: true }).flatMap((s) => s.mutations);
}
