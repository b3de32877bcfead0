import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import type {
  PaymentRow,
  TicketLineRow,
  TicketRow,
} from '../../../../packages/domain/src/entities';
import { refreshReportViews } from './jobs';
import { describeEachEngine } from './test-support/engines';
import { contextOf, createTenant, mutate, sampleRows, type Tenant } from './test-support/fixtures';

/** An ISO time `daysAgo` days before now at the given UTC hour:minute. */
function at(daysAgo: number, hour: number, minute = 0): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - daysAgo);
  d.setUTCHours(hour, minute, 0, 0);
  return d.toISOString();
}

interface Sale {
  status: TicketRow['status'];
  closedAt: string | null;
  totalCents: number;
  tipCents: number;
  taxCents: number;
  discountCents?: number;
  payments: [PaymentRow['method'], number, number][]; // method, amount, change
  lines?: [string, number][]; // staff id, service line total
  tipSplit?: TicketRow['tipSplit'];
  deleted?: boolean;
}

describeEachEngine('report views', (getDb) => {
  let t: Tenant;
  const staffA = '00000000-0000-4000-8000-00000000000a';
  const staffB = '00000000-0000-4000-8000-00000000000b';
  const staffC = '00000000-0000-4000-8000-00000000000c';
  const ticketIds: Record<string, string> = {};

  async function sell(name: string, s: Sale): Promise<void> {
    const id = randomUUID();
    ticketIds[name] = id;
    await mutate(getDb(), t, async (tx) => {
      const base = sampleRows(t).ticket;
      const ticket: TicketRow = {
        ...base,
        id,
        status: s.status,
        closedAt: s.closedAt,
        totalCents: s.totalCents,
        tipCents: s.tipCents,
        taxCents: s.taxCents,
        discountCents: s.discountCents ?? 0,
        subtotalCents: s.totalCents - s.taxCents,
        paidCents: s.payments.reduce((sum, [, amount]) => sum + amount, 0),
        ...(s.tipSplit ? { tipSplit: s.tipSplit } : {}),
      };
      await tx.put('ticket', ticket);
      for (const [method, amountCents, changeCents] of s.payments) {
        const p: PaymentRow = {
          ...sampleRows(t).payment,
          id: randomUUID(),
          ticketId: id,
          method,
          amountCents,
          changeCents,
          tipCents: 0,
        };
        await tx.put('payment', p);
      }
      for (const [staffId, lineTotalCents] of s.lines ?? []) {
        const line: TicketLineRow = {
          ...sampleRows(t).ticketLine,
          id: randomUUID(),
          ticketId: id,
          staffId,
          lineTotalCents,
        };
        await tx.put('ticketLine', line);
      }
      if (s.deleted) await tx.delete('ticket', id);
    });
  }

  beforeAll(async () => {
    const db = getDb();
    t = await createTenant(db, { timeZone: 'America/Los_Angeles' });
    // 01:30 UTC is the previous evening in Los Angeles: it counts on the store's previous day.
    await sell('late', {
      status: 'closed',
      closedAt: at(2, 1, 30),
      totalCents: 4330,
      tipCents: 101,
      taxCents: 330,
      payments: [['cash', 5000, 670]],
      lines: [
        [staffA, 3000],
        [staffB, 1000],
      ],
    });
    await sell('day1', {
      status: 'closed',
      closedAt: at(2, 18),
      totalCents: 10825,
      tipCents: 100,
      taxCents: 825,
      discountCents: 500,
      payments: [
        ['card', 8000, 0],
        ['gift_card', 2825, 0],
      ],
      lines: [
        [staffA, 5000],
        [staffB, 2500],
        [staffC, 2500],
      ],
      tipSplit: { mode: 'even' },
    });
    await sell('day1b', {
      status: 'closed',
      closedAt: at(2, 20),
      totalCents: 999,
      tipCents: 100,
      taxCents: 0,
      payments: [['other', 999, 0]],
      lines: [
        [staffA, 999],
        [staffC, 0],
      ],
      tipSplit: { mode: 'manual', shares: { [staffB]: 70, [staffC]: 30 } },
    });
    await sell('open', {
      status: 'open',
      closedAt: null,
      totalCents: 5000,
      tipCents: 0,
      taxCents: 0,
      payments: [],
    });
    await sell('voided', {
      status: 'voided',
      closedAt: null,
      totalCents: 7000,
      tipCents: 0,
      taxCents: 0,
      payments: [['card', 7000, 0]],
    });
    await sell('deleted', {
      status: 'closed',
      closedAt: at(2, 19),
      totalCents: 1234,
      tipCents: 0,
      taxCents: 0,
      payments: [['cash', 1234, 0]],
      deleted: true,
    });
    await mutate(db, t, (tx) =>
      tx.put('refund', {
        ...sampleRows(t).refund,
        id: randomUUID(),
        ticketId: ticketIds.day1 ?? '',
        amountCents: 250,
        createdAt: at(1, 18),
      }),
    );
    // Another store's sales never show up in this store's rows.
    const other = await createTenant(db);
    await mutate(db, other, (tx) =>
      tx.put('ticket', { ...sampleRows(other).ticket, closedAt: at(2, 18) }),
    );
    await refreshReportViews(db);
  });

  it('daily revenue matches a direct aggregate of the tickets, to the cent', async () => {
    const db = getDb();
    const { view, direct } = await db.transaction(contextOf(t), async (sql) => ({
      view: (
        await sql.query(
          `select business_date, ticket_count, revenue_cents, tips_cents, tax_cents, discount_cents
             from report_daily_revenue where ticket_count > 0 order by business_date`,
          [],
        )
      ).rows,
      direct: (
        await sql.query(
          `select (closed_at at time zone 'America/Los_Angeles')::date::text as business_date,
                  count(*) as ticket_count, sum(total_cents) as revenue_cents,
                  sum(tip_cents) as tips_cents, sum(tax_cents) as tax_cents,
                  sum(discount_cents) as discount_cents
             from tickets where store_id = $1 and status = 'closed' and not deleted
            group by 1 order by 1`,
          [t.storeId],
        )
      ).rows,
    }));
    expect(view).toEqual(direct);
    expect(view).toHaveLength(2); // the late ticket is on the store's previous day
    expect(view[1]).toMatchObject({ ticket_count: 2, revenue_cents: 10825 + 999, tips_cents: 200 });
  });

  it('reports amounts by payment method, average ticket, and refunds on their own day', async () => {
    const rows = await getDb().transaction(contextOf(t), (sql) =>
      sql.query(
        `select ticket_count, avg_ticket_cents, cash_cents, card_cents, gift_card_cents, other_cents,
                refund_count, refunds_cents, net_revenue_cents
           from report_daily_revenue order by business_date`,
        [],
      ),
    );
    expect(rows.rows).toEqual([
      {
        ticket_count: 1,
        avg_ticket_cents: 4330,
        cash_cents: 4330,
        card_cents: 0,
        gift_card_cents: 0,
        other_cents: 0,
        refund_count: 0,
        refunds_cents: 0,
        net_revenue_cents: 4330,
      },
      {
        ticket_count: 2,
        avg_ticket_cents: 5912,
        cash_cents: 0,
        card_cents: 8000,
        gift_card_cents: 2825,
        other_cents: 999,
        refund_count: 0,
        refunds_cents: 0,
        net_revenue_cents: 11824,
      },
      {
        ticket_count: 0,
        avg_ticket_cents: 0,
        cash_cents: 0,
        card_cents: 0,
        gift_card_cents: 0,
        other_cents: 0,
        refund_count: 1,
        refunds_cents: 250,
        net_revenue_cents: -250,
      },
    ]);
  });

  it('splits tips among staff exactly: proportional by default, even, or manual shares', async () => {
    const rows = await getDb().transaction(contextOf(t), (sql) =>
      sql.query<{
        staff_id: string;
        business_date: string;
        service_cents: number;
        tips_cents: number;
        ticket_count: number;
      }>(
        `select staff_id, business_date, service_cents, tips_cents, ticket_count
           from report_staff_daily_sales order by business_date, staff_id`,
        [],
      ),
    );
    const byDay: Record<string, typeof rows.rows> = {};
    for (const r of rows.rows) (byDay[r.business_date] ??= []).push(r);
    const [late, day] = Object.keys(byDay).sort();
    // 101 cents by 3000:1000 → 75.75 / 25.25 → 76 + 25 (largest remainder).
    expect(byDay[late ?? '']?.map((r) => [r.staff_id, r.service_cents, r.tips_cents])).toEqual([
      [staffA, 3000, 76],
      [staffB, 1000, 25],
    ]);
    // Even 100 among A, B, C → 34/33/33 (ties by staff id); manual 70/30 to B and C.
    expect(
      byDay[day ?? '']?.map((r) => [r.staff_id, r.service_cents, r.tips_cents, r.ticket_count]),
    ).toEqual([
      [staffA, 5999, 34, 2],
      [staffB, 2500, 33 + 70, 1],
      [staffC, 2500, 33 + 30, 2],
    ]);
    const tips = rows.rows.reduce((sum, r) => sum + r.tips_cents, 0);
    expect(tips).toBe(101 + 100 + 100);
  });

  it('refreshes concurrently and reflects new sales', async () => {
    await sell('later', {
      status: 'closed',
      closedAt: at(0, 20),
      totalCents: 100,
      tipCents: 0,
      taxCents: 0,
      payments: [['cash', 100, 0]],
    });
    const count = () =>
      getDb().transaction(contextOf(t), async (sql) => {
        const r = await sql.query<{ n: number }>(
          'select coalesce(sum(ticket_count), 0) as n from report_daily_revenue',
          [],
        );
        return r.rows[0]?.n;
      });
    expect(await count()).toBe(3);
    await refreshReportViews(getDb());
    expect(await count()).toBe(4);
  });
});
