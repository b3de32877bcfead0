import type { Effect, LedgerSnapshot, StoreLedger } from './ledger';

/**
 * The no-loss, no-duplication check: a pure function over what the loadgen's ledger expects and
 * the rows the server holds (read by a pull from cursor 0, or by SQL).
 */

export interface ServerTicket {
  id: string;
  status: string;
  totalCents: number;
  paidCents: number;
  changeCents: number;
  tipCents: number;
  refundedCents: number;
}
export interface ServerPayment {
  id: string;
  ticketId: string;
  amountCents: number;
  tipCents: number;
  changeCents: number;
}
export interface ServerRefund {
  id: string;
  ticketId: string;
  amountCents: number;
}
export interface ServerClient {
  id: string;
  firstName: string;
  lastName: string;
  phone?: string | null;
}

export interface ServerStoreState {
  storeId: string;
  /** deviceId → the server's lastMutationId for it. */
  lastMutationIds: Record<string, number>;
  /** deviceId → mutation ids the server recorded as rejected (resolves `unknown` acks), if known. */
  rejectedIds?: Record<string, number[]>;
  tickets: ServerTicket[];
  payments: ServerPayment[];
  refunds: ServerRefund[];
  clients: ServerClient[];
}

export interface MoneyTotals {
  closedTickets: number;
  closedTotalCents: number;
  paymentsCents: number;
  changeCents: number;
  tipsCents: number;
  refundsCents: number;
}

export interface StoreCheck {
  storeId: string;
  lost: number;
  duplicated: number;
  mismatched: number;
  expected: MoneyTotals;
  actual: MoneyTotals;
}

export interface CheckReport {
  ok: boolean;
  stores: number;
  checkedEffects: number;
  lost: number;
  duplicated: number;
  mismatched: number;
  expected: MoneyTotals;
  actual: MoneyTotals;
  /** The first problems, in words. */
  problems: string[];
  perStore: StoreCheck[];
}

const MAX_PROBLEMS = 50;

const zeroTotals = (): MoneyTotals => ({
  closedTickets: 0,
  closedTotalCents: 0,
  paymentsCents: 0,
  changeCents: 0,
  tipsCents: 0,
  refundsCents: 0,
});

function addTotals(a: MoneyTotals, b: MoneyTotals): void {
  a.closedTickets += b.closedTickets;
  a.closedTotalCents += b.closedTotalCents;
  a.paymentsCents += b.paymentsCents;
  a.changeCents += b.changeCents;
  a.tipsCents += b.tipsCents;
  a.refundsCents += b.refundsCents;
}

function checkStore(
  ledger: StoreLedger,
  server: ServerStoreState | undefined,
  problems: string[],
): StoreCheck {
  const say = (text: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(`store ${ledger.storeId}: ${text}`);
  };
  const result: StoreCheck = {
    storeId: ledger.storeId,
    lost: 0,
    duplicated: 0,
    mismatched: 0,
    expected: zeroTotals(),
    actual: zeroTotals(),
  };
  const rows = server ?? {
    storeId: ledger.storeId,
    lastMutationIds: {},
    tickets: [],
    payments: [],
    refunds: [],
    clients: [],
  };
  if (!server) say('the server returned nothing for this store');

  // 1. Every acknowledged mutation id is behind the device's lastMutationId on the server.
  for (const [deviceId, d] of Object.entries(ledger.devices)) {
    const serverLast = rows.lastMutationIds[deviceId] ?? 0;
    if (serverLast < d.lastAckedId) {
      result.lost += d.lastAckedId - serverLast;
      say(
        `device ${deviceId}: server lastMutationId ${serverLast} < acknowledged ${d.lastAckedId}`,
      );
    }
  }

  const rejected = new Set<string>();
  for (const [deviceId, ids] of Object.entries(rows.rejectedIds ?? {})) {
    for (const id of ids) rejected.add(`${deviceId}:${id}`);
  }

  // 2. Fold the effects of applied mutations into the expected state.
  const payments = new Map<string, Extract<Effect, { t: 'payment' }> & { optional: boolean }>();
  const refunds = new Map<string, Extract<Effect, { t: 'refund' }> & { optional: boolean }>();
  const closes = new Map<string, Extract<Effect, { t: 'close' }> & { optional: boolean }>();
  const clients = new Map<string, Extract<Effect, { t: 'client' }> & { optional: boolean }>();
  for (const e of ledger.entries) {
    let optional: boolean;
    if (e.status === 'applied') optional = false;
    else if (e.status === 'unknown') {
      if (rejected.has(`${e.deviceId}:${e.mutationId}`)) continue;
      optional = rows.rejectedIds === undefined;
    } else continue;
    const eff = e.effect;
    if (eff.t === 'payment') payments.set(eff.id, { ...eff, optional });
    else if (eff.t === 'refund') refunds.set(eff.id, { ...eff, optional });
    else if (eff.t === 'close') closes.set(eff.ticketId, { ...eff, optional });
    else clients.set(eff.id, { ...eff, optional });
  }

  const serverTickets = new Map(rows.tickets.map((t) => [t.id, t]));
  const serverPayments = new Map<string, ServerPayment>();
  for (const p of rows.payments) {
    if (serverPayments.has(p.id)) {
      result.duplicated++;
      say(`payment ${p.id} appears twice`);
    }
    serverPayments.set(p.id, p);
  }
  const serverRefunds = new Map<string, ServerRefund>();
  for (const r of rows.refunds) {
    if (serverRefunds.has(r.id)) {
      result.duplicated++;
      say(`refund ${r.id} appears twice`);
    }
    serverRefunds.set(r.id, r);
  }

  // Payments: every applied one present with its amounts; none the ledger does not know.
  for (const p of payments.values()) {
    const s = serverPayments.get(p.id);
    if (!s) {
      if (!p.optional) {
        result.lost++;
        say(
          `payment ${p.id} (${p.amountCents}¢ on ticket ${p.ticketId}) was acknowledged but is missing`,
        );
      }
      continue;
    }
    if (
      s.amountCents !== p.amountCents ||
      s.tipCents !== p.tipCents ||
      s.changeCents !== p.changeCents
    ) {
      result.mismatched++;
      say(
        `payment ${p.id}: server ${s.amountCents}/${s.tipCents}/${s.changeCents}, expected ${p.amountCents}/${p.tipCents}/${p.changeCents} (amount/tip/change)`,
      );
    }
  }
  for (const s of serverPayments.values()) {
    if (!payments.has(s.id) && closes.has(s.ticketId)) {
      result.duplicated++;
      say(`payment ${s.id} (${s.amountCents}¢) on ticket ${s.ticketId} is not in the ledger`);
    }
  }

  // Refunds: the same, and the ticket's refundedCents equals the sum of its refunds.
  const refundedByTicket = new Map<string, number>();
  for (const r of refunds.values()) {
    const s = serverRefunds.get(r.id);
    if (!s) {
      if (!r.optional) {
        result.lost++;
        say(
          `refund ${r.id} (${r.amountCents}¢ on ticket ${r.ticketId}) was acknowledged but is missing`,
        );
      }
      continue;
    }
    refundedByTicket.set(r.ticketId, (refundedByTicket.get(r.ticketId) ?? 0) + s.amountCents);
    if (s.amountCents !== r.amountCents) {
      result.mismatched++;
      say(`refund ${r.id}: server ${s.amountCents}¢, expected ${r.amountCents}¢`);
    }
  }
  for (const s of serverRefunds.values()) {
    if (!refunds.has(s.id)) {
      result.duplicated++;
      say(`refund ${s.id} (${s.amountCents}¢) on ticket ${s.ticketId} is not in the ledger`);
    }
  }

  // Closed tickets: present, closed, with the expected totals and payments.
  for (const c of closes.values()) {
    const t = serverTickets.get(c.ticketId);
    if (!t || t.status !== 'closed') {
      if (!c.optional) {
        result.lost++;
        say(
          `ticket ${c.ticketId} was closed (total ${c.totalCents}¢) but the server has it ${t ? t.status : 'missing'}`,
        );
      }
      continue;
    }
    const paid = t.paidCents;
    if (paid > c.paidCents || t.tipCents > c.tipCents) {
      result.duplicated++;
      say(
        `ticket ${c.ticketId}: paid ${paid}¢ tip ${t.tipCents}¢, expected ${c.paidCents}¢ tip ${c.tipCents}¢ (a payment counted twice)`,
      );
    } else if (
      t.totalCents !== c.totalCents ||
      paid !== c.paidCents ||
      t.changeCents !== c.changeCents ||
      t.tipCents !== c.tipCents
    ) {
      result.mismatched++;
      say(
        `ticket ${c.ticketId}: server total/paid/change/tip ${t.totalCents}/${paid}/${t.changeCents}/${t.tipCents}, expected ${c.totalCents}/${c.paidCents}/${c.changeCents}/${c.tipCents}`,
      );
    }
    const refunded = refundedByTicket.get(c.ticketId) ?? 0;
    if (t.refundedCents > refunded) {
      result.duplicated++;
      say(
        `ticket ${c.ticketId}: refunded ${t.refundedCents}¢ but its refunds add up to ${refunded}¢ (a refund counted twice)`,
      );
    } else if (t.refundedCents < refunded) {
      result.lost++;
      say(
        `ticket ${c.ticketId}: refunded ${t.refundedCents}¢ but its refunds add up to ${refunded}¢`,
      );
    }
  }
  for (const t of serverTickets.values()) {
    if (t.status === 'closed' && !closes.has(t.id)) {
      result.duplicated++;
      say(`ticket ${t.id} is closed on the server but the ledger never saw its close applied`);
    }
  }

  // Clients: the last applied edit of each client (one device edits a given client) wins.
  const serverClients = new Map(rows.clients.map((c) => [c.id, c]));
  for (const c of clients.values()) {
    const s = serverClients.get(c.id);
    if (!s) {
      if (!c.optional) {
        result.lost++;
        say(`client ${c.id} was upserted but is missing`);
      }
      continue;
    }
    if (
      !c.optional &&
      (s.firstName !== c.firstName || s.lastName !== c.lastName || (s.phone ?? null) !== c.phone)
    ) {
      result.lost++;
      say(
        `client ${c.id}: server has ${s.firstName} ${s.lastName} ${s.phone ?? ''}, expected ${c.firstName} ${c.lastName} ${c.phone ?? ''} (an edit was lost)`,
      );
    }
  }

  // 3. The sums a person would compare: per store, ledger against server.
  for (const c of closes.values()) {
    if (c.optional && serverTickets.get(c.ticketId)?.status !== 'closed') continue;
    result.expected.closedTickets++;
    result.expected.closedTotalCents += c.totalCents;
  }
  for (const p of payments.values()) {
    if (p.optional && !serverPayments.has(p.id)) continue;
    result.expected.paymentsCents += p.amountCents;
    result.expected.changeCents += p.changeCents;
    result.expected.tipsCents += p.tipCents;
  }
  for (const r of refunds.values()) {
    if (r.optional && !serverRefunds.has(r.id)) continue;
    result.expected.refundsCents += r.amountCents;
  }
  for (const t of serverTickets.values()) {
    if (t.status !== 'closed') continue;
    result.actual.closedTickets++;
    result.actual.closedTotalCents += t.totalCents;
  }
  const ticketKnown = (ticketId: string) =>
    serverTickets.get(ticketId)?.status === 'closed' || closes.has(ticketId);
  for (const p of serverPayments.values()) {
    if (!payments.has(p.id) && !ticketKnown(p.ticketId)) continue; // payments on tickets still open elsewhere
    result.actual.paymentsCents += p.amountCents;
    result.actual.changeCents += p.changeCents;
    result.actual.tipsCents += p.tipCents;
  }
  for (const r of serverRefunds.values()) result.actual.refundsCents += r.amountCents;

  const e = result.expected;
  const a = result.actual;
  for (const key of Object.keys(e) as (keyof MoneyTotals)[]) {
    if (e[key] !== a[key] && result.lost + result.duplicated + result.mismatched === 0) {
      result.mismatched++;
      say(`${key}: server ${a[key]}, ledger ${e[key]}`);
    }
  }
  return result;
}

export function checkLedger(
  ledger: LedgerSnapshot,
  server: readonly ServerStoreState[],
): CheckReport {
  const byStore = new Map(server.map((s) => [s.storeId, s]));
  const problems: string[] = [];
  const perStore = ledger.stores.map((s) => checkStore(s, byStore.get(s.storeId), problems));
  const report: CheckReport = {
    ok: true,
    stores: perStore.length,
    checkedEffects: ledger.stores.reduce((n, s) => n + s.entries.length, 0),
    lost: 0,
    duplicated: 0,
    mismatched: 0,
    expected: zeroTotals(),
    actual: zeroTotals(),
    problems,
    perStore,
  };
  for (const s of perStore) {
    report.lost += s.lost;
    report.duplicated += s.duplicated;
    report.mismatched += s.mismatched;
    addTotals(report.expected, s.expected);
    addTotals(report.actual, s.actual);
  }
  report.ok = report.lost === 0 && report.duplicated === 0 && report.mismatched === 0;
  return report;
}

/** Builds the checker's server view of one store from pulled `changes` (latest state per row). */
export function serverStateFromChanges(
  storeId: string,
  changes: Iterable<{
    entity: string;
    id: string;
    deleted: boolean;
    data: Record<string, unknown> | null;
  }>,
  lastMutationIds: Record<string, number>,
  rejectedIds?: Record<string, number[]>,
): ServerStoreState {
  const latest = new Map<
    string,
    { entity: string; deleted: boolean; data: Record<string, unknown> | null }
  >();
  for (const c of changes) latest.set(`${c.entity}:${c.id}`, c);
  const state: ServerStoreState = {
    storeId,
    lastMutationIds,
    tickets: [],
    payments: [],
    refunds: [],
    clients: [],
    ...(rejectedIds ? { rejectedIds } : {}),
  };
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  for (const [key, c] of latest) {
    if (c.deleted || !c.data) continue;
    const d = c.data;
    const id = key.slice(c.entity.length + 1);
    if (c.entity === 'ticket') {
      state.tickets.push({
        id,
        status: String(d.status),
        totalCents: num(d.totalCents),
        paidCents: num(d.paidCents),
        changeCents: num(d.changeCents),
        tipCents: num(d.tipCents),
        refundedCents: num(d.refundedCents),
      });
    } else if (c.entity === 'payment') {
      state.payments.push({
        id,
        ticketId: String(d.ticketId),
        amountCents: num(d.amountCents),
        tipCents: num(d.tipCents),
        changeCents: num(d.changeCents),
      });
    } else if (c.entity === 'refund') {
      state.refunds.push({ id, ticketId: String(d.ticketId), amountCents: num(d.amountCents) });
    } else if (c.entity === 'client') {
      state.clients.push({
        id,
        firstName: String(d.firstName),
        lastName: String(d.lastName),
        phone: typeof d.phone === 'string' ? d.phone : null,
      });
    }
  }
  return state;
}
