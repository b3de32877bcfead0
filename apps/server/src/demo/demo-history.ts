import {
  amountDue,
  businessDate,
  expectedDrawerCash,
  netPaid,
  nextTechnician,
  sumCents,
  type GiftCardRow,
  type MutatorArgs,
  type MutatorName,
} from '@mango/domain';
import { addDays, localInstant, MINUTE, weekdayOf } from './demo-calendar';
import {
  canDo,
  CLOSED_WEEKDAY,
  createDemoCatalog,
  openingHours,
  type DemoCatalog,
  type DemoClient,
  type DemoService,
  type DemoStaff,
  type ProductKey,
  type ServiceKey,
} from './demo-catalog';
import type { DemoActor, DemoDevice } from './demo-device';
import { Agenda } from './demo-agenda';
import { DemoRandom } from './demo-random';

/** Eight whole weeks of past business days before today. */
export const HISTORY_DAYS = 56;
/** Appointments are on the book this many days ahead. */
export const BOOKED_AHEAD_DAYS = 10;
/** The demo's default seed: any fixed number; the same one gives the same store. */
export const DEFAULT_DEMO_SEED = 20_260_101;

/**
 * Tickets on an ordinary day, by weekday (0 Sunday … 6 Saturday) for a four-technician salon:
 * Fridays and Saturdays are busy. Not more: the whole history goes through the push on the first
 * `npm start`, and each mutation costs the server several milliseconds on PGlite.
 */
const TICKETS_BY_WEEKDAY = [6, 0, 7, 7, 8, 11, 13] as const;
const FLOAT_CENTS = 20_000;
const MAIN_SERVICES: readonly (readonly [ServiceKey, number])[] = [
  ['classicMani', 20],
  ['gelMani', 26],
  ['spaPedi', 22],
  ['acrylic', 9],
  ['haircut', 6],
  ['blowout', 5],
  ['browWax', 12],
];
const PRODUCT_MIX: readonly (readonly [ProductKey, number])[] = [
  ['polish', 5],
  ['cuticleOil', 3],
  ['handCream', 2],
];
const GIFT_CARD_VALUES = [2500, 5000, 5000, 7500, 10_000] as const;
const REFUND_REASONS = [
  'Polish chipped within two days; client declined a redo',
  'Charged for the wrong service',
  'Client unhappy with the shape',
] as const;
const VOID_REASONS = ['Client left before the service', 'Ticket opened twice by mistake'] as const;
const CANCEL_REASONS = ['Client rescheduled', 'Client is unwell', 'Conflict at work'] as const;
const PAY_OUT_REASONS = ['Cotton pads and acetone', 'Coffee and milk', 'Postage'] as const;

type Tender = 'card' | 'cash' | 'split' | 'gift';

/** A sale as planned: what the client has, how they pay. Lines are rung up when it happens. */
interface PlannedSale {
  ticketId: string;
  clientId: string | null;
  products: { productId: string; quantity: number; staffId: string | null }[];
  giftCard: { giftCardId: string; code: string; amountCents: number; lineId: string } | null;
  discount: 'percent10' | 'amount5' | null;
  tender: Tender;
  /** How a cash payer tenders: exact, or rounded up to $5, $10 or $20. */
  cashRoundingCents: 0 | 500 | 1000 | 2000;
  /** Tip as a share of the services, on the card part; 0 = no tip. */
  tipRate: number;
}

interface PlannedLine {
  lineId: string;
  service: DemoService;
  staffId: string;
  quantity: number;
  start: number;
  end: number;
}

const floorMinute = (ms: number) => Math.floor(ms / MINUTE) * MINUTE;
const ceilTo = (ms: number, minutes: number) =>
  Math.ceil(ms / (minutes * MINUTE)) * minutes * MINUTE;

export interface DemoHistoryOptions {
  now: Date;
  timeZone: string;
  seed: number;
}

export interface DemoHistorySummary {
  firstDay: string;
  today: string;
  mutations: number;
}

/**
 * Builds the demo store on the device: the catalog as set up eight weeks ago, then eight weeks
 * of business (closed tickets most days, busier Fridays and Saturdays, closed Mondays; split
 * tenders, tips, discounts, gift cards sold and spent, a few refunds and voids, appointments,
 * a cash drawer opened and closed each day), today's floor up to `now` (the drawer open, the
 * turn list, walk-ins, appointments, open tickets) and appointments for the coming days.
 */
export async function buildDemoHistory(
  device: DemoDevice,
  options: DemoHistoryOptions,
): Promise<DemoHistorySummary> {
  const history = new DemoHistory(device, options);
  await history.build();
  return {
    firstDay: history.firstDay,
    today: history.today,
    mutations: device.mutations.length,
  };
}

class DemoHistory {
  readonly today: string;
  readonly firstDay: string;
  readonly #nowMs: number;
  readonly #tz: string;
  /** The plan's choices. */
  readonly #rng: DemoRandom;
  /** Choices made while playing (ids of rows made then, which gift card a client holds). */
  readonly #play: DemoRandom;
  readonly #agenda = new Agenda();
  readonly #setupAt: number;
  #catalog!: DemoCatalog;
  #ticketNo = 0;
  #giftOnlyNo = 0;
  readonly #giftCodes = new Set<string>();
  /** Gift cards whose sale is refunded later: nobody spends them first. */
  readonly #refundedCards = new Set<string>();

  constructor(
    private readonly device: DemoDevice,
    options: DemoHistoryOptions,
  ) {
    this.#nowMs = options.now.getTime();
    this.#tz = options.timeZone;
    this.#rng = new DemoRandom(options.seed);
    this.#play = new DemoRandom(options.seed ^ 0x5eed_cafe);
    this.today = businessDate(options.now.toISOString(), this.#tz);
    this.firstDay = addDays(this.today, -HISTORY_DAYS);
    this.#setupAt = localInstant(this.firstDay, 7 * 60, this.#tz);
  }

  async build(): Promise<void> {
    this.#catalog = await createDemoCatalog(this.device, this.#rng, this.#setupAt);
    for (let day = this.firstDay; day < this.today; day = addDays(day, 1)) this.#planPastDay(day);
    this.#planToday();
    for (let ahead = 1; ahead <= BOOKED_AHEAD_DAYS; ahead++) {
      this.#planBookedDay(addDays(this.today, ahead));
    }
    // A few minutes of slack: a step's later mutations (a checkout's payment, its close) follow it.
    await this.#agenda.play(this.#nowMs - 5 * MINUTE);
  }

  async #run<N extends MutatorName>(
    at: number,
    actor: DemoActor,
    name: N,
    args: MutatorArgs<N>,
  ): Promise<void> {
    if (at > this.#nowMs) throw new Error(`demo seed: ${name} planned after now`);
    await this.device.run(at, actor, name, args);
  }

  // ---- Planning helpers -------------------------------------------------------------------

  #at(day: string, minutes: number): number {
    return localInstant(day, minutes, this.#tz);
  }

  #pickClient(): DemoClient {
    const clients = this.#catalog.clients;
    // Regulars: a third of the clients make most of the visits.
    return this.#rng.chance(0.65)
      ? clients[this.#rng.int(0, 39)]!
      : clients[this.#rng.int(40, clients.length - 1)]!;
  }

  #pickService(tech?: DemoStaff): DemoService {
    const services = this.#catalog.services;
    const choices = MAIN_SERVICES.filter(([key]) => !tech || canDo(tech, services[key]));
    return services[this.#rng.weighted(choices)];
  }

  #newGiftCode(): string {
    for (;;) {
      const code = `MG-${this.#rng.int(1000, 9999)}-${this.#rng.int(1000, 9999)}`;
      if (!this.#giftCodes.has(code)) {
        this.#giftCodes.add(code);
        return code;
      }
    }
  }

  /**
   * When a client booked an appointment starting at `start`: up to two weeks before, in the
   * afternoon or evening, after the store was set up and before now.
   */
  #bookedAt(start: number): number {
    const earliest = Math.max(this.#setupAt + 30 * MINUTE, start - 14 * 24 * 60 * MINUTE);
    const latest = Math.min(start - 60 * MINUTE, this.#nowMs - 10 * MINUTE);
    if (latest <= earliest) return latest;
    const when = earliest + this.#rng.next() * (latest - earliest);
    const day = businessDate(new Date(when).toISOString(), this.#tz);
    const at = this.#at(day, this.#rng.int(10 * 60, 19 * 60));
    return floorMinute(Math.min(Math.max(at, earliest), latest));
  }

  /**
   * The technician able to do `service` who is free first, and when they can start (on the
   * quarter hour for appointments). Null when nobody can finish before closing.
   */
  #slot(
    service: DemoService,
    techs: readonly DemoStaff[],
    free: Map<string, number>,
    arrival: number,
    closeAt: number,
    quarter: boolean,
  ): { tech: DemoStaff; start: number; end: number } | null {
    let best: { tech: DemoStaff; start: number; end: number } | null = null;
    for (const tech of techs) {
      if (!canDo(tech, service)) continue;
      const ready = Math.max(arrival, free.get(tech.id) ?? arrival);
      const start = quarter ? ceilTo(ready, 15) : ceilTo(ready, 5);
      const end = start + service.durationMin * MINUTE;
      if (end > closeAt) continue;
      if (!best || start < best.start) best = { tech, start, end };
    }
    if (best) free.set(best.tech.id, best.end + 5 * MINUTE);
    return best;
  }

  #planSale(
    clientId: string | null,
    options: { services: boolean; giftOnly: boolean },
  ): PlannedSale {
    const rng = this.#rng;
    const products: PlannedSale['products'] = [];
    // A service client adds retail now and then; a retail client buys one or two things.
    let productCount = 0;
    if (options.services) productCount = rng.chance(0.18) ? 1 : 0;
    else if (!options.giftOnly) productCount = rng.int(1, 2);
    for (let i = 0; i < productCount; i++) {
      const product = this.#catalog.products[rng.weighted(PRODUCT_MIX)];
      if (products.some((p) => p.productId === product.id)) continue;
      products.push({ productId: product.id, quantity: rng.chance(0.85) ? 1 : 2, staffId: null });
    }
    const giftCard =
      options.giftOnly || (options.services && rng.chance(0.02))
        ? {
            giftCardId: rng.uuid(),
            code: this.#newGiftCode(),
            amountCents: rng.pick(GIFT_CARD_VALUES),
            lineId: rng.uuid(),
          }
        : null;
    const discount: PlannedSale['discount'] =
      options.services && rng.chance(0.06) ? rng.pick(['percent10', 'amount5'] as const) : null;
    const roll = rng.next();
    const tender: Tender =
      giftCard === null && options.services && roll < 0.05
        ? 'gift'
        : roll < 0.14 && options.services
          ? 'split'
          : roll < 0.4
            ? 'cash'
            : 'card';
    const tipRate =
      options.services && tender !== 'cash'
        ? rng.weighted([
            [0, 12],
            [0.15, 30],
            [0.18, 25],
            [0.2, 25],
            [0.25, 8],
          ] as const)
        : 0;
    return {
      ticketId: rng.uuid(),
      clientId,
      products,
      giftCard,
      discount,
      tender,
      cashRoundingCents: rng.pick([0, 0, 500, 1000, 2000] as const),
      tipRate,
    };
  }

  // ---- Past days --------------------------------------------------------------------------

  #planPastDay(day: string): void {
    const weekday = weekdayOf(day);
    const hours = openingHours(weekday);
    if (!hours) return;
    const rng = this.#rng;
    const openAt = this.#at(day, hours.open);
    const closeAt = this.#at(day, hours.close);
    const techs = this.#catalog.technicians.filter((t) => !t.daysOff.includes(weekday));
    const opener = weekday === 0 ? this.#catalog.manager : this.#catalog.desk;

    if (weekday === 2)
      this.#agenda.add(openAt - 20 * MINUTE, () => this.#restock(openAt - 20 * MINUTE));
    this.#planDrawer(openAt, closeAt, opener, true);

    const count = TICKETS_BY_WEEKDAY[weekday]! + rng.int(-2, 3);
    const arrivals: number[] = [];
    for (let i = 0; i < count; i++) {
      // Busier around midday: the mean of two uniform draws.
      const share = (rng.next() + rng.next()) / 2;
      arrivals.push(floorMinute(openAt + share * (closeAt - 60 * MINUTE - openAt)));
    }
    arrivals.sort((a, b) => a - b);
    const free = new Map(techs.map((t) => [t.id, openAt]));
    for (const arrival of arrivals) this.#planVisit(day, arrival, closeAt, techs, free);

    if (rng.chance(0.3)) this.#planNoShow(openAt, closeAt, techs, free);
    if (rng.chance(0.35)) this.#planCancellation(day, hours, techs);
  }

  #planVisit(
    day: string,
    arrival: number,
    closeAt: number,
    techs: readonly DemoStaff[],
    free: Map<string, number>,
  ): void {
    const rng = this.#rng;
    const ticketNo = this.#ticketNo++;
    const client = rng.chance(0.85) ? this.#pickClient() : null;
    if (ticketNo % 229 === 97) this.#planVoid(arrival, techs, client);

    const kind = rng.weighted([
      ['services', 95],
      ['retail', 3],
      ['giftCard', 2],
    ] as const);
    const lines: PlannedLine[] = [];
    if (kind === 'services') {
      const count = rng.weighted([
        [1, 70],
        [2, 25],
        [3, 5],
      ] as const);
      const appointment = count === 1 && client !== null && rng.chance(0.25);
      for (let i = 0; i < count; i++) {
        const service = this.#pickService();
        if (lines.some((l) => l.service.key === service.key)) continue;
        const slot = this.#slot(service, techs, free, arrival, closeAt, appointment);
        if (!slot) continue;
        lines.push({ lineId: rng.uuid(), service, staffId: slot.tech.id, quantity: 1, ...slot });
      }
      if (lines.length === 0) return; // Fully booked: the client left.
      const mani = lines.find(
        (l) => l.service.key === 'classicMani' || l.service.key === 'gelMani',
      );
      if (!appointment && mani && rng.chance(0.15)) {
        lines.push({
          lineId: rng.uuid(),
          service: this.#catalog.services.nailArt,
          staffId: mani.staffId,
          quantity: rng.int(2, 10),
          start: mani.start,
          end: mani.end,
        });
      }
      const sale = this.#planSale(client?.id ?? null, { services: true, giftOnly: false });
      // Retail sold with a service is credited to the technician who did it.
      for (const p of sale.products) p.staffId = lines[0]!.staffId;
      if (appointment) this.#planAppointmentVisit(lines[0]!, sale, client);
      else this.#planWalkInVisit(arrival, lines, sale);
      if (ticketNo % 71 === 30) this.#planRefund(day, sale.ticketId);
      return;
    }
    const sale = this.#planSale(client?.id ?? null, {
      services: false,
      giftOnly: kind === 'giftCard',
    });
    this.#agenda.add(arrival, async () => {
      await this.#run(arrival, this.#catalog.desk, 'ticket.open', {
        id: sale.ticketId,
        ...(sale.clientId ? { clientId: sale.clientId } : {}),
      });
      await this.#checkout(sale, arrival + MINUTE);
    });
    if (kind === 'giftCard' && this.#giftOnlyNo++ === 1 && sale.giftCard) {
      this.#refundedCards.add(sale.giftCard.giftCardId);
      this.#planGiftCardRefund(day, sale);
    }
  }

  #planWalkInVisit(arrival: number, lines: readonly PlannedLine[], sale: PlannedSale): void {
    const openAt = Math.max(arrival, Math.min(...lines.map((l) => l.start)) - 2 * MINUTE);
    const endAt = Math.max(...lines.map((l) => l.end));
    this.#agenda.add(openAt, async () => {
      await this.#run(openAt, this.#catalog.desk, 'ticket.open', {
        id: sale.ticketId,
        ...(sale.clientId ? { clientId: sale.clientId } : {}),
      });
      for (const [i, line] of lines.entries()) {
        await this.#run(openAt + (i + 1) * 20_000, this.#catalog.desk, 'ticket.addLine', {
          ticketId: sale.ticketId,
          lineId: line.lineId,
          kind: 'service',
          itemId: line.service.id,
          staffId: line.staffId,
          ...(line.quantity > 1 ? { quantity: line.quantity } : {}),
        });
      }
    });
    this.#agenda.add(endAt + 3 * MINUTE, () => this.#checkout(sale, endAt + 3 * MINUTE));
  }

  /** Booked days ahead, checked in on arrival, completed (which opens the ticket), paid. */
  #planAppointmentVisit(line: PlannedLine, sale: PlannedSale, client: DemoClient | null): void {
    const id = this.#rng.uuid();
    const bookedAt = this.#bookedAt(line.start);
    const checkInAt = Math.max(bookedAt + MINUTE, line.start - this.#rng.int(0, 10) * MINUTE);
    const desk = this.#catalog.desk;
    this.#agenda.add(bookedAt, () =>
      this.#run(bookedAt, desk, 'appointment.book', {
        id,
        staffId: line.staffId,
        serviceId: line.service.id,
        start: new Date(line.start).toISOString(),
        ...(client ? { clientId: client.id } : {}),
      }),
    );
    this.#agenda.add(checkInAt, () => this.#run(checkInAt, desk, 'appointment.checkIn', { id }));
    this.#agenda.add(line.end, () =>
      this.#run(line.end, desk, 'appointment.complete', {
        id,
        ticketId: sale.ticketId,
        lineId: line.lineId,
      }),
    );
    this.#agenda.add(line.end + 3 * MINUTE, () => this.#checkout(sale, line.end + 3 * MINUTE));
  }

  #planNoShow(
    openAt: number,
    closeAt: number,
    techs: readonly DemoStaff[],
    free: Map<string, number>,
  ): void {
    const service = this.#pickService();
    const arrival = floorMinute(openAt + this.#rng.next() * (closeAt - openAt - 2 * 60 * MINUTE));
    const slot = this.#slot(service, techs, free, arrival, closeAt, true);
    if (!slot) return;
    const id = this.#rng.uuid();
    const client = this.#pickClient();
    const bookedAt = this.#bookedAt(slot.start);
    const desk = this.#catalog.desk;
    this.#agenda.add(bookedAt, () =>
      this.#run(bookedAt, desk, 'appointment.book', {
        id,
        staffId: slot.tech.id,
        serviceId: service.id,
        start: new Date(slot.start).toISOString(),
        clientId: client.id,
      }),
    );
    const noShowAt = slot.start + 20 * MINUTE;
    this.#agenda.add(noShowAt, () => this.#run(noShowAt, desk, 'appointment.noShow', { id }));
  }

  #planCancellation(
    day: string,
    hours: { open: number; close: number },
    techs: readonly DemoStaff[],
  ): void {
    const rng = this.#rng;
    const tech = rng.pick(techs);
    const service = this.#pickService(tech);
    const start = this.#at(
      day,
      hours.open + 15 * rng.int(2, Math.floor((hours.close - hours.open) / 15) - 6),
    );
    const id = rng.uuid();
    const bookedAt = this.#bookedAt(start);
    const cancelAt = floorMinute(bookedAt + (start - bookedAt) / 2);
    const desk = this.#catalog.desk;
    const clientId = this.#pickClient().id;
    const reason = rng.pick(CANCEL_REASONS);
    this.#agenda.add(bookedAt, () =>
      this.#run(bookedAt, desk, 'appointment.book', {
        id,
        staffId: tech.id,
        serviceId: service.id,
        start: new Date(start).toISOString(),
        clientId,
      }),
    );
    this.#agenda.add(cancelAt, () =>
      this.#run(cancelAt, desk, 'appointment.cancel', { id, reason }),
    );
  }

  /** A ticket rung up and voided by the manager before anything was paid. */
  #planVoid(arrival: number, techs: readonly DemoStaff[], client: DemoClient | null): void {
    const rng = this.#rng;
    const tech = rng.pick(techs);
    const service = this.#pickService(tech);
    const ticketId = rng.uuid();
    const lineId = rng.uuid();
    const voidAt = arrival + rng.int(5, 25) * MINUTE;
    const reason = rng.pick(VOID_REASONS);
    const desk = this.#catalog.desk;
    this.#agenda.add(arrival, async () => {
      await this.#run(arrival, desk, 'ticket.open', {
        id: ticketId,
        ...(client ? { clientId: client.id } : {}),
      });
      await this.#run(arrival + 20_000, desk, 'ticket.addLine', {
        ticketId,
        lineId,
        kind: 'service',
        itemId: service.id,
        staffId: tech.id,
      });
    });
    this.#agenda.add(voidAt, () =>
      this.#run(voidAt, this.#catalog.manager, 'ticket.void', { ticketId, reason }),
    );
  }

  /** The next open day, a few days after `day`, if it is still in the past. */
  #laterOpenDay(day: string): string | null {
    let later = addDays(day, this.#rng.int(1, 3));
    if (weekdayOf(later) === CLOSED_WEEKDAY) later = addDays(later, 1);
    return later < this.today ? later : null;
  }

  /** Part of a service given back, the way the client paid (a gift card gets it back on the card). */
  #planRefund(day: string, ticketId: string): void {
    const later = this.#laterOpenDay(day);
    if (!later) return;
    const hours = openingHours(weekdayOf(later))!;
    const at = this.#at(later, hours.open + this.#rng.int(60, 240));
    const reason = this.#rng.pick(REFUND_REASONS);
    const half = this.#rng.chance(0.5);
    const refundId = this.#rng.uuid();
    this.#agenda.add(at, async () => {
      const local = this.device.local;
      const ticket = await local.get('ticket', ticketId);
      if (ticket?.status !== 'closed')
        throw new Error(`demo seed: ticket ${ticketId} to refund is not closed`);
      const lines = await local.list('ticketLine', { where: { ticketId } });
      const service = lines
        .filter((l) => l.kind === 'service')
        .sort((a, b) => b.lineTotalCents - a.lineTotalCents)[0];
      if (!service) throw new Error(`demo seed: ticket ${ticketId} to refund has no service`);
      const payments = (await local.list('payment', { where: { ticketId } })).sort((a, b) =>
        a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1,
      );
      const paidWith = payments[0];
      const card = paidWith?.giftCardId
        ? await local.get('giftCard', paidWith.giftCardId)
        : undefined;
      // Never into the value of gift cards sold on the same ticket: that is not the service's.
      const giftCardsSold = sumCents(
        lines.filter((l) => l.kind === 'gift_card').map((l) => l.lineTotalCents),
      );
      const amountCents = Math.min(
        half
          ? Math.max(100, Math.floor(service.lineTotalCents / 200) * 100)
          : service.lineTotalCents,
        netPaid(ticket) - giftCardsSold - ticket.refundedCents,
      );
      if (amountCents <= 0) return;
      const method =
        paidWith?.method === 'gift_card' && card?.status !== 'active'
          ? 'card'
          : (paidWith?.method ?? 'card');
      await this.#run(at, this.#catalog.manager, 'ticket.refund', {
        ticketId,
        refundId,
        amountCents,
        method,
        ...(method === 'gift_card' && card ? { giftCardId: card.id } : {}),
        reason,
        lineIds: [service.id],
      });
    });
  }

  /** A gift card bought by mistake comes back unspent: its value is taken back and it is voided. */
  #planGiftCardRefund(day: string, sale: PlannedSale): void {
    const later = this.#laterOpenDay(day);
    const sold = sale.giftCard;
    if (!later || !sold) return;
    const hours = openingHours(weekdayOf(later))!;
    const at = this.#at(later, hours.open + this.#rng.int(30, 120));
    const refundId = this.#rng.uuid();
    this.#agenda.add(at, async () => {
      const local = this.device.local;
      const card = await local.get('giftCard', sold.giftCardId);
      const payments = await local.list('payment', { where: { ticketId: sale.ticketId } });
      if (!card || card.balanceCents <= 0)
        throw new Error('demo seed: the refunded gift card is gone');
      await this.#run(at, this.#catalog.manager, 'ticket.refund', {
        ticketId: sale.ticketId,
        refundId,
        amountCents: card.balanceCents,
        method: payments[0]?.method === 'cash' ? 'cash' : 'card',
        reason: 'Bought twice by mistake',
        lineIds: [sold.lineId],
      });
    });
  }

  /** The day's drawer: opened with its float, a supply run now and then, counted at closing. */
  #planDrawer(openAt: number, closeAt: number, opener: DemoActor, closes: boolean): void {
    const rng = this.#rng;
    const id = rng.uuid();
    const openedAt = openAt - 10 * MINUTE;
    this.#agenda.add(openedAt, () =>
      this.#run(openedAt, opener, 'cashDrawer.open', { id, floatCents: FLOAT_CENTS }),
    );
    const midday = floorMinute(openAt + (0.3 + 0.4 * rng.next()) * (closeAt - openAt));
    if (rng.chance(0.2)) {
      const payOut = {
        id: rng.uuid(),
        amountCents: rng.int(12, 45) * 100,
        reason: rng.pick(PAY_OUT_REASONS),
      };
      this.#agenda.add(midday, () =>
        this.#run(midday, this.#catalog.desk, 'cashDrawer.payOut', payOut),
      );
    } else if (rng.chance(0.05)) {
      const payIn = { id: rng.uuid(), amountCents: 5000, reason: 'Change from the bank' };
      this.#agenda.add(midday, () =>
        this.#run(midday, this.#catalog.manager, 'cashDrawer.payIn', payIn),
      );
    }
    if (!closes) return;
    // Most days the count matches; now and then a few dollars over or short.
    const overShort = rng.weighted([
      [0, 80],
      [-100, 5],
      [-200, 4],
      [-500, 4],
      [100, 4],
      [300, 3],
    ] as const);
    const closedAt = closeAt + 15 * MINUTE;
    this.#agenda.add(closedAt, async () => {
      const local = this.device.local;
      const where = { where: { cashDrawerId: id } };
      const { expectedCents } = expectedDrawerCash({
        floatCents: FLOAT_CENTS,
        payments: await local.list('payment', where),
        refunds: await local.list('refund', where),
        movements: await local.list('cashMovement', where),
      });
      await this.#run(closedAt, opener, 'cashDrawer.close', {
        id,
        countedCents: Math.max(0, expectedCents + overShort),
      });
    });
  }

  /** Tuesday deliveries: a case of 24 of anything running low (the manager updates the count). */
  async #restock(at: number): Promise<void> {
    for (const product of (await this.device.local.list('product')).sort((a, b) =>
      a.id < b.id ? -1 : 1,
    )) {
      if (product.stockCount >= 12) continue;
      await this.#run(at, this.#catalog.manager, 'product.upsert', {
        id: product.id,
        name: product.name,
        priceCents: product.priceCents,
        taxable: product.taxable,
        sku: product.sku ?? null,
        stockCount: product.stockCount + 24,
      });
    }
  }

  // ---- Checkout ---------------------------------------------------------------------------

  /** At the desk: retail and gift cards rung up, the discount, the payments, the close. */
  async #checkout(sale: PlannedSale, at: number): Promise<void> {
    const desk = this.#catalog.desk;
    const ticketId = sale.ticketId;
    let time = at;
    const next = () => (time += 20_000);
    for (const p of sale.products) {
      await this.#run(next(), desk, 'ticket.addLine', {
        ticketId,
        lineId: this.#play.uuid(),
        kind: 'product',
        itemId: p.productId,
        ...(p.staffId ? { staffId: p.staffId } : {}),
        ...(p.quantity > 1 ? { quantity: p.quantity } : {}),
      });
    }
    if (sale.giftCard) {
      await this.#run(next(), desk, 'ticket.addGiftCardLine', {
        ticketId,
        lineId: sale.giftCard.lineId,
        giftCardId: sale.giftCard.giftCardId,
        code: sale.giftCard.code,
        amountCents: sale.giftCard.amountCents,
      });
    }
    const local = this.device.local;
    const lines = await local.list('ticketLine', { where: { ticketId } });
    const services = lines.filter((l) => l.kind === 'service').sort(byId);
    if (sale.discount === 'percent10') {
      await this.#run(next(), desk, 'ticket.setDiscount', {
        ticketId,
        discount: { kind: 'percent', bps: 1000 },
      });
    } else if (sale.discount === 'amount5' && services[0]) {
      await this.#run(next(), desk, 'ticket.setLineDiscount', {
        ticketId,
        lineId: services[0].id,
        discount: { kind: 'amount', cents: 500 },
      });
    }
    await this.#pay(sale, next);
    await this.#run(next(), desk, 'ticket.close', { ticketId });
  }

  async #pay(sale: PlannedSale, next: () => number): Promise<void> {
    const desk = this.#catalog.desk;
    const local = this.device.local;
    const ticketId = sale.ticketId;
    const ticket = await local.get('ticket', ticketId);
    if (!ticket) throw new Error(`demo seed: ticket ${ticketId} to pay is missing`);
    let due = amountDue(ticket);
    const serviceCents = sumCents(
      (await local.list('ticketLine', { where: { ticketId } }))
        .filter((l) => l.kind === 'service')
        .map((l) => l.lineTotalCents),
    );
    // Clients tip in whole dollars.
    const tipCents =
      sale.tipRate > 0 && serviceCents > 0
        ? Math.max(100, Math.round((serviceCents * sale.tipRate) / 100) * 100)
        : 0;
    const card = async (amountCents: number, tip: number) => {
      if (amountCents === 0 && tip === 0) return;
      await this.#run(next(), desk, 'ticket.addPayment', {
        ticketId,
        paymentId: this.#play.uuid(),
        method: 'card',
        amountCents,
        ...(tip > 0 ? { tipCents: tip } : {}),
      });
    };
    const cash = async (amountCents: number) => {
      if (amountCents === 0) return;
      await this.#run(next(), desk, 'ticket.addPayment', {
        ticketId,
        paymentId: this.#play.uuid(),
        method: 'cash',
        amountCents,
      });
    };
    switch (sale.tender) {
      case 'card':
        return card(due, tipCents);
      case 'cash': {
        const step = sale.cashRoundingCents;
        return cash(step === 0 ? due : Math.ceil(due / step) * step);
      }
      case 'split': {
        const cashPart = Math.floor(due / 2 / 500) * 500;
        if (cashPart >= 500 && cashPart < due) {
          await cash(cashPart);
          due -= cashPart;
        }
        return card(due, tipCents);
      }
      case 'gift': {
        const giftCard = await this.#giftCardInHand();
        if (giftCard && due > 0) {
          const amountCents = Math.min(giftCard.balanceCents, due);
          await this.#run(next(), desk, 'ticket.addPayment', {
            ticketId,
            paymentId: this.#play.uuid(),
            method: 'gift_card',
            giftCardId: giftCard.id,
            amountCents,
          });
          due -= amountCents;
        }
        // The rest, and the tip, on a card.
        return card(due, tipCents);
      }
    }
  }

  /** A gift card some client holds: one with value left, chosen among those sold so far. */
  async #giftCardInHand(): Promise<GiftCardRow | undefined> {
    const cards = (await this.device.local.list('giftCard', { where: { status: 'active' } }))
      .filter((c) => c.balanceCents > 0 && !this.#refundedCards.has(c.id))
      .sort(byId);
    return cards.length > 0 ? this.#play.pick(cards) : undefined;
  }

  // ---- Today ------------------------------------------------------------------------------

  /**
   * Today up to now: the drawer open, technicians on the turn list, walk-ins served in turn
   * order (the last ones still in the chair, their tickets open), appointments done, in service
   * or still to come, and a client at the desk with a retail ticket open. The demo is open today
   * whatever the weekday: its floor must be alive. Started before the store opens, the morning
   * is squeezed into the last hours before now.
   */
  #planToday(): void {
    const rng = this.#rng;
    const today = this.today;
    const weekday = weekdayOf(today);
    const hours = openingHours(weekday) ?? openingHours(2)!;
    const storeOpen = this.#at(today, hours.open);
    const midnight = this.#at(today, 0);
    const start = Math.max(midnight + MINUTE, Math.min(storeOpen, this.#nowMs - 3 * 60 * MINUTE));
    const end = this.#nowMs - 6 * MINUTE;
    const at = (share: number) => floorMinute(start + share * Math.max(0, end - start));
    const desk = this.#catalog.desk;
    const techs = this.#catalog.technicians.filter(
      (t) => weekday === CLOSED_WEEKDAY || !t.daysOff.includes(weekday),
    );

    this.#planDrawer(start + 10 * MINUTE, end, desk, false);
    for (const [i, tech] of techs.entries()) {
      // The last one in comes in late.
      const clockInAt = i === techs.length - 1 ? at(0.3) : at(0.01 * (i + 1));
      const turnId = rng.uuid();
      const eventId = rng.uuid();
      this.#agenda.add(clockInAt, () =>
        this.#run(clockInAt, desk, 'turn.clockIn', { turnId, staffId: tech.id, eventId }),
      );
    }
    const skipped = techs[0];
    if (skipped) {
      const skipAt = at(0.5);
      const eventId = rng.uuid();
      this.#agenda.add(skipAt, () =>
        this.#run(skipAt, this.#catalog.manager, 'turn.skip', {
          staffId: skipped.id,
          eventId,
          note: 'Asked to take the next client off the list',
        }),
      );
    }

    const hoursOpen = Math.max(0, end - start) / (60 * MINUTE);
    const walkIns = Math.min(12, Math.max(5, Math.round(hoursOpen * 1.4)));
    for (let i = 0; i < walkIns; i++) {
      // The last three came in minutes ago: they are in the chair (or waiting) now.
      const arrival =
        i >= walkIns - 3
          ? floorMinute(end - (walkIns - i) * 9 * MINUTE)
          : at(0.05 + (0.8 * i) / (walkIns - 3));
      this.#planWalkIn(Math.max(start, arrival), { leaves: i === 2, end });
    }

    this.#planTodaysAppointments(techs, hours);

    // A client at the desk right now, buying polish: the ticket is open.
    const retailAt = floorMinute(this.#nowMs - 8 * MINUTE);
    const ticketId = rng.uuid();
    const lineId = rng.uuid();
    const clientId = this.#pickClient().id;
    this.#agenda.add(retailAt, async () => {
      await this.#run(retailAt, desk, 'ticket.open', { id: ticketId, clientId });
      await this.#run(retailAt + 20_000, desk, 'ticket.addLine', {
        ticketId,
        lineId,
        kind: 'product',
        itemId: this.#catalog.products.polish.id,
        quantity: 2,
      });
    });
  }

  #planWalkIn(arrival: number, options: { leaves: boolean; end: number }): void {
    const rng = this.#rng;
    const client = rng.chance(0.7) ? this.#pickClient() : null;
    const service = this.#pickService();
    const id = rng.uuid();
    const sale = this.#planSale(client?.id ?? null, { services: true, giftOnly: false });
    const desk = this.#catalog.desk;
    this.#agenda.add(arrival, () =>
      this.#run(arrival, desk, 'walkIn.add', {
        id,
        name: client ? `${client.firstName} ${client.lastName.charAt(0)}.` : 'Walk-in',
        ...(client ? { clientId: client.id } : {}),
        serviceId: service.id,
      }),
    );
    if (options.leaves) {
      const leftAt = arrival + 15 * MINUTE;
      this.#agenda.add(leftAt, () => this.#run(leftAt, desk, 'walkIn.remove', { id }));
      return;
    }
    const tryAssign = async (at: number): Promise<void> => {
      const local = this.device.local;
      const turns = await local.list('turn', { where: { businessDate: this.today } });
      const staff = await local.list('staff', { where: { active: true } });
      // The same rule turn.assignNext applies: ask it only when someone is free.
      if (!nextTechnician(turns, staff, service.id)) {
        const retry = at + 10 * MINUTE;
        if (retry <= options.end) this.#agenda.add(retry, () => tryAssign(retry));
        return;
      }
      await this.#run(at, desk, 'turn.assignNext', { walkInId: id, eventId: this.#play.uuid() });
      const staffId = (await local.get('walkIn', id))?.staffId;
      if (!staffId) throw new Error('demo seed: the assigned walk-in has no technician');
      await this.#run(at + MINUTE, desk, 'ticket.open', {
        id: sale.ticketId,
        ...(sale.clientId ? { clientId: sale.clientId } : {}),
      });
      await this.#run(at + MINUTE + 20_000, desk, 'ticket.addLine', {
        ticketId: sale.ticketId,
        lineId: this.#play.uuid(),
        kind: 'service',
        itemId: service.id,
        staffId,
      });
      for (const p of sale.products) p.staffId = staffId;
      const doneAt = at + (service.durationMin + 2) * MINUTE;
      const eventId = this.#play.uuid();
      this.#agenda.add(doneAt, async () => {
        await this.#checkout(sale, doneAt);
        await this.#run(doneAt + 3 * MINUTE, desk, 'turn.complete', {
          staffId,
          eventId,
          ticketId: sale.ticketId,
        });
      });
    };
    this.#agenda.add(arrival + 2 * MINUTE, () => tryAssign(arrival + 2 * MINUTE));
  }

  /** Today's book at the usual hours: what is past is done, what is on is in the chair. */
  #planTodaysAppointments(
    techs: readonly DemoStaff[],
    hours: { open: number; close: number },
  ): void {
    const rng = this.#rng;
    const desk = this.#catalog.desk;
    const slots = [30, 120, 210, 300, 390, 480].filter((m) => hours.open + m + 75 <= hours.close);
    for (const [i, offset] of slots.entries()) {
      const tech = techs[i % techs.length];
      if (!tech) return;
      const service = this.#pickService(tech);
      const client = this.#pickClient();
      const startAt = this.#at(this.today, hours.open + offset);
      const endAt = startAt + service.durationMin * MINUTE;
      const id = rng.uuid();
      const bookedAt = this.#bookedAt(startAt);
      const sale = this.#planSale(client.id, { services: true, giftOnly: false });
      const lineId = rng.uuid();
      this.#agenda.add(bookedAt, () =>
        this.#run(bookedAt, desk, 'appointment.book', {
          id,
          staffId: tech.id,
          serviceId: service.id,
          start: new Date(startAt).toISOString(),
          clientId: client.id,
        }),
      );
      const checkInAt = startAt - 5 * MINUTE;
      this.#agenda.add(checkInAt, () => this.#run(checkInAt, desk, 'appointment.checkIn', { id }));
      // Still in the chair now: started. Otherwise the step is dropped once completed.
      if (endAt > this.#nowMs - 5 * MINUTE) {
        const startedAt = startAt + MINUTE;
        this.#agenda.add(startedAt, () => this.#run(startedAt, desk, 'appointment.start', { id }));
        continue;
      }
      this.#agenda.add(endAt, () =>
        this.#run(endAt, desk, 'appointment.complete', { id, ticketId: sale.ticketId, lineId }),
      );
      this.#agenda.add(endAt + 3 * MINUTE, () => this.#checkout(sale, endAt + 3 * MINUTE));
    }
  }

  // ---- Days ahead -------------------------------------------------------------------------

  #planBookedDay(day: string): void {
    const weekday = weekdayOf(day);
    const hours = openingHours(weekday);
    if (!hours) return;
    const rng = this.#rng;
    const openAt = this.#at(day, hours.open);
    const closeAt = this.#at(day, hours.close);
    const techs = this.#catalog.technicians.filter((t) => !t.daysOff.includes(weekday));
    const free = new Map(techs.map((t) => [t.id, openAt]));
    // Fewer on the book further out: clients book a week or so ahead.
    const count = Math.max(2, Math.round(TICKETS_BY_WEEKDAY[weekday]! * 0.7) - rng.int(0, 2));
    const desk = this.#catalog.desk;
    for (let i = 0; i < count; i++) {
      const arrival = floorMinute(openAt + rng.next() * (closeAt - openAt - 90 * MINUTE));
      const service = this.#pickService();
      const slot = this.#slot(service, techs, free, arrival, closeAt, true);
      if (!slot) continue;
      const id = rng.uuid();
      const clientId = this.#pickClient().id;
      const bookedAt = this.#bookedAt(slot.start);
      this.#agenda.add(bookedAt, () =>
        this.#run(bookedAt, desk, 'appointment.book', {
          id,
          staffId: slot.tech.id,
          serviceId: service.id,
          start: new Date(slot.start).toISOString(),
          clientId,
        }),
      );
    }
  }
}

function byId<T extends { id: string }>(a: T, b: T): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
