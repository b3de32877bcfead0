import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type AccessGate, requireAuth, storeAccess } from '../auth/authenticate';
import type { Cache } from '../cache/cache';
import type { ReadRouter } from '../db/replica';
import { httpErrors } from '../http/errors';
import { parseOrThrow } from '../http/validate';

const MAX_PAGE = 200;
/** What a history page is made of: a write to any of them invalidates the cached pages. */
const HISTORY_ENTITIES = ['ticket', 'ticketLine', 'payment', 'refund'];

export const querySchema = z.strictObject({
  before: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  /** Which ended tickets: closed (sales, the default) or voided. Open ones live on every device. */
  status: z.enum(['closed', 'voided']).default('closed'),
});

/** The instant each kind of ended ticket is ordered by; never built from the request's text. */
const ENDED_AT = { closed: 'closed_at', voided: 'voided_at' } as const;

const cursorSchema = z.tuple([z.iso.datetime({ offset: true }), z.uuid()]);

/** Opaque keyset cursor: the (closedAt or voidedAt, id) of the last ticket of a page. */
export function encodeHistoryCursor(closedAt: string, id: string): string {
  return Buffer.from(JSON.stringify([closedAt, id])).toString('base64url');
}

function decodeHistoryCursor(cursor: string): [string, string] {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw httpErrors.validation('Invalid query.before: not a cursor this server gave out.');
  }
}

interface TicketData {
  id: string;
  [key: string]: unknown;
}

/**
 * Closed tickets newest first, with their lines, payments and refunds: the history a device no
 * longer keeps locally (seed plan 2.3, cursor pagination). Keyset on (closed_at, id) over the
 * (store_id, closed_at DESC) index, so page 1,000 costs what page 1 does. `status=voided` pages
 * the voided tickets the same way on voided_at (few per store: the status index narrows them).
 */
export function registerHistoryRoutes(
  app: FastifyInstance,
  deps: { reads: ReadRouter; gate: AccessGate; cache?: Cache },
): void {
  app.get<{ Params: { storeId: string } }>(
    '/api/v1/stores/:storeId/tickets',
    { preHandler: requireAuth(deps.gate) },
    async (request) => {
      const access = storeAccess(request, request.params.storeId);
      const query = parseOrThrow(querySchema, request.query, 'query');
      const before = query.before ? decodeHistoryCursor(query.before) : null;
      // History tolerates replica lag; read-your-writes is the router's job.
      const load = () =>
        deps.reads.read(access, async (sql) => {
          const at = ENDED_AT[query.status];
          const tickets = await sql.query<{ data: TicketData; ended_at: string }>(
            `select data, ${at} as ended_at from tickets
            where store_id = $1 and not deleted and status = $5 and ${at} is not null
              and ($2::timestamptz is null or (${at}, id) < ($2::timestamptz, $3::uuid))
            order by ${at} desc, id desc
            limit $4`,
            [access.storeId, before?.[0] ?? null, before?.[1] ?? null, query.limit, query.status],
          );
          const ids = tickets.rows.map((r) => r.data.id);
          const children = async (table: string) => {
            if (ids.length === 0) return new Map<string, unknown[]>();
            const res = await sql.query<{ ticket_id: string; data: unknown }>(
              `select ticket_id, data from ${table} where store_id = $1 and ticket_id = any($2::uuid[]) and not deleted order by id`,
              [access.storeId, ids],
            );
            const byTicket = new Map<string, unknown[]>();
            for (const row of res.rows)
              byTicket.set(row.ticket_id, [...(byTicket.get(row.ticket_id) ?? []), row.data]);
            return byTicket;
          };
          const [lines, payments, refunds] = [
            await children('ticket_lines'),
            await children('payments'),
            await children('refunds'),
          ];
          const items = tickets.rows.map((r) => ({
            ...r.data,
            lines: lines.get(r.data.id) ?? [],
            payments: payments.get(r.data.id) ?? [],
            refunds: refunds.get(r.data.id) ?? [],
          }));
          const last = tickets.rows.at(-1);
          const nextCursor =
            last && tickets.rows.length === query.limit
              ? encodeHistoryCursor(new Date(last.ended_at).toISOString(), last.data.id)
              : null;
          return { items, nextCursor };
        });
      if (!deps.cache) return load();
      return deps.cache.getOrLoad(
        access.storeId,
        HISTORY_ENTITIES,
        `history:${query.status}:${query.before ?? ''}:${query.limit}`,
        load,
      );
    },
  );
}
