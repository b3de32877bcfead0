-- Report views (seed 3.3): materialized per store and store-local day, refreshed by a job
-- (refreshReportViews → REFRESH MATERIALIZED VIEW CONCURRENTLY, which needs the unique
-- indexes below). Only closed, non-deleted tickets count; a ticket counts on the store-local
-- day (stores.time_zone) of its closed_at. The last 400 days are kept; older periods are
-- queried from the base tables (indexed by (store_id, closed_at)).
--
-- Materialized views cannot have row level security, so the app gets no privilege on them:
-- it reads them through report_* views that filter by the tenant context.

-- Daily revenue per store. Refunds are reported separately, on their own store-local day
-- (refunds_cents, refund_count), and net_revenue_cents = revenue_cents − refunds_cents.
-- Amounts by payment method are what the payments took net of cash change
-- (amount_cents − change_cents), tips excluded (tips are in tips_cents).
CREATE MATERIALIZED VIEW mv_daily_revenue AS
WITH closed AS (
  SELECT t.store_id, t.id,
         (t.closed_at AT TIME ZONE s.time_zone)::date AS business_date,
         t.total_cents, t.tip_cents, t.tax_cents, t.discount_cents
    FROM tickets t JOIN stores s ON s.id = t.store_id
   WHERE t.status = 'closed' AND NOT t.deleted AND t.closed_at IS NOT NULL
     AND t.closed_at >= now() - interval '400 days'
),
paid AS (
  SELECT p.store_id, p.ticket_id,
         sum(p.amount_cents - p.change_cents) FILTER (WHERE p.method = 'cash') AS cash,
         sum(p.amount_cents - p.change_cents) FILTER (WHERE p.method = 'card') AS card,
         sum(p.amount_cents - p.change_cents) FILTER (WHERE p.method = 'gift_card') AS gift_card,
         sum(p.amount_cents - p.change_cents) FILTER (WHERE p.method = 'other') AS other
    FROM payments p
   WHERE NOT p.deleted
   GROUP BY p.store_id, p.ticket_id
),
sales AS (
  SELECT c.store_id, c.business_date,
         count(*) AS ticket_count,
         sum(c.total_cents) AS revenue_cents,
         sum(c.tip_cents) AS tips_cents,
         sum(c.tax_cents) AS tax_cents,
         sum(c.discount_cents) AS discount_cents,
         sum(coalesce(p.cash, 0)) AS cash_cents,
         sum(coalesce(p.card, 0)) AS card_cents,
         sum(coalesce(p.gift_card, 0)) AS gift_card_cents,
         sum(coalesce(p.other, 0)) AS other_cents
    FROM closed c LEFT JOIN paid p ON p.store_id = c.store_id AND p.ticket_id = c.id
   GROUP BY c.store_id, c.business_date
),
refunded AS (
  SELECT r.store_id, (r.created_at AT TIME ZONE s.time_zone)::date AS business_date,
         count(*) AS refund_count, sum(r.amount_cents) AS refunds_cents
    FROM refunds r JOIN stores s ON s.id = r.store_id
   WHERE NOT r.deleted AND r.created_at >= now() - interval '400 days'
   GROUP BY 1, 2
)
SELECT store_id, business_date,
       coalesce(sales.ticket_count, 0)::bigint AS ticket_count,
       coalesce(sales.revenue_cents, 0)::bigint AS revenue_cents,
       coalesce(sales.tips_cents, 0)::bigint AS tips_cents,
       coalesce(sales.tax_cents, 0)::bigint AS tax_cents,
       coalesce(sales.discount_cents, 0)::bigint AS discount_cents,
       CASE WHEN coalesce(sales.ticket_count, 0) = 0 THEN 0
            ELSE round(sales.revenue_cents / sales.ticket_count)::bigint END AS avg_ticket_cents,
       coalesce(sales.cash_cents, 0)::bigint AS cash_cents,
       coalesce(sales.card_cents, 0)::bigint AS card_cents,
       coalesce(sales.gift_card_cents, 0)::bigint AS gift_card_cents,
       coalesce(sales.other_cents, 0)::bigint AS other_cents,
       coalesce(refunded.refund_count, 0)::bigint AS refund_count,
       coalesce(refunded.refunds_cents, 0)::bigint AS refunds_cents,
       (coalesce(sales.revenue_cents, 0) - coalesce(refunded.refunds_cents, 0))::bigint
         AS net_revenue_cents
  FROM sales FULL JOIN refunded USING (store_id, business_date);

CREATE UNIQUE INDEX mv_daily_revenue_key ON mv_daily_revenue (store_id, business_date);

-- Staff sales and tips per store-local day. Sales come from the ticket lines a staff member
-- is on (service and product sales, line totals after line discounts). Each ticket's tip is
-- split among its staff as the ticket says (data.tipSplit): 'manual' by its shares (used as
-- weights), 'even' equally, otherwise (the default, 'proportional') by the staff's service
-- line totals (equally when those are all zero). Cents are split by largest remainder (ties
-- by staff id), so each ticket's shares add up to its tip exactly. A tip on a ticket with no
-- staff (and no manual shares) is in mv_daily_revenue only.
CREATE MATERIALIZED VIEW mv_staff_daily_sales AS
WITH closed AS (
  SELECT t.store_id, t.id AS ticket_id,
         (t.closed_at AT TIME ZONE s.time_zone)::date AS business_date,
         t.tip_cents, t.data -> 'tipSplit' AS tip_split
    FROM tickets t JOIN stores s ON s.id = t.store_id
   WHERE t.status = 'closed' AND NOT t.deleted AND t.closed_at IS NOT NULL
     AND t.closed_at >= now() - interval '400 days'
),
line_staff AS (
  SELECT l.store_id, l.ticket_id, l.staff_id,
         coalesce(sum(l.line_total_cents) FILTER (WHERE l.kind = 'service'), 0) AS service_cents,
         coalesce(sum(l.line_total_cents) FILTER (WHERE l.kind = 'product'), 0) AS product_cents,
         count(*) AS line_count
    FROM ticket_lines l
   WHERE NOT l.deleted AND l.staff_id IS NOT NULL
   GROUP BY l.store_id, l.ticket_id, l.staff_id
),
sales AS (
  SELECT c.store_id, c.business_date, ls.staff_id,
         count(DISTINCT c.ticket_id) AS ticket_count,
         sum(ls.line_count) AS line_count,
         sum(ls.service_cents) AS service_cents,
         sum(ls.product_cents) AS product_cents
    FROM closed c
    JOIN line_staff ls ON ls.store_id = c.store_id AND ls.ticket_id = c.ticket_id
   GROUP BY c.store_id, c.business_date, ls.staff_id
),
weights AS (
  SELECT c.store_id, c.business_date, c.ticket_id, c.tip_cents,
         sh.key::uuid AS staff_id, greatest(sh.value::numeric, 0) AS w
    FROM closed c, jsonb_each_text(c.tip_split -> 'shares') sh
   WHERE c.tip_split ->> 'mode' = 'manual' AND c.tip_cents > 0
     AND jsonb_typeof(c.tip_split -> 'shares') = 'object'
     AND sh.key ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
     AND sh.value ~ '^[0-9]+(\.[0-9]+)?$'
  UNION ALL
  SELECT c.store_id, c.business_date, c.ticket_id, c.tip_cents, ls.staff_id,
         CASE WHEN c.tip_split ->> 'mode' = 'even' THEN 1
              WHEN sum(ls.service_cents) OVER (PARTITION BY c.store_id, c.ticket_id) > 0
                THEN greatest(ls.service_cents, 0)
              ELSE 1 END::numeric AS w
    FROM closed c
    JOIN line_staff ls ON ls.store_id = c.store_id AND ls.ticket_id = c.ticket_id
   WHERE coalesce(c.tip_split ->> 'mode', 'proportional') <> 'manual' AND c.tip_cents > 0
),
exact AS (
  SELECT w.*, sum(w.w) OVER (PARTITION BY w.store_id, w.ticket_id) AS total_w
    FROM weights w
),
floored AS (
  SELECT e.*, floor(e.tip_cents * e.w / e.total_w) AS base,
         e.tip_cents * e.w / e.total_w - floor(e.tip_cents * e.w / e.total_w) AS frac
    FROM exact e
   WHERE e.total_w > 0
),
ranked AS (
  SELECT f.*,
         f.tip_cents - sum(f.base) OVER (PARTITION BY f.store_id, f.ticket_id) AS remainder,
         row_number() OVER (PARTITION BY f.store_id, f.ticket_id
                            ORDER BY f.frac DESC, f.staff_id) AS rank
    FROM floored f
),
tips AS (
  SELECT store_id, business_date, staff_id,
         sum(base + CASE WHEN rank <= remainder THEN 1 ELSE 0 END) AS tips_cents
    FROM ranked
   GROUP BY store_id, business_date, staff_id
)
SELECT store_id, business_date, staff_id,
       coalesce(sales.ticket_count, 0)::bigint AS ticket_count,
       coalesce(sales.line_count, 0)::bigint AS line_count,
       coalesce(sales.service_cents, 0)::bigint AS service_cents,
       coalesce(sales.product_cents, 0)::bigint AS product_cents,
       coalesce(tips.tips_cents, 0)::bigint AS tips_cents
  FROM sales FULL JOIN tips USING (store_id, business_date, staff_id);

CREATE UNIQUE INDEX mv_staff_daily_sales_key
  ON mv_staff_daily_sales (store_id, business_date, staff_id);

-- What the app reads: its store's rows, or with an organization context (an owner) every
-- store of the organization. These views run with their owner's rights (not the caller's),
-- which is why they filter on the tenant context themselves; security_barrier keeps the
-- caller's own conditions from being evaluated before that filter.
CREATE VIEW report_daily_revenue WITH (security_barrier = true) AS
  SELECT * FROM mv_daily_revenue
   WHERE store_id = app_store_id()
      OR store_id IN (SELECT s.id FROM stores s WHERE s.organization_id = app_org_id());

CREATE VIEW report_staff_daily_sales WITH (security_barrier = true) AS
  SELECT * FROM mv_staff_daily_sales
   WHERE store_id = app_store_id()
      OR store_id IN (SELECT s.id FROM stores s WHERE s.organization_id = app_org_id());

GRANT SELECT ON report_daily_revenue, report_staff_daily_sales TO mango_app;
