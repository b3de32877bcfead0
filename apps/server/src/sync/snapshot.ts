/**
 * The first sync of a device as one streamed snapshot (docs/SYNC.md, "Snapshot"): the store's
 * current rows, table by table, essentials first, read in ONE read-only REPEATABLE READ
 * transaction so that the rows and the cursor agree. Each part is one query in id order (resumed
 * by keyset on (store_id, id)) streamed by `Sql.streamText` as the rows' JSON bytes, never
 * decoded here; chunks of `chunkRows` rows go through a sink that waits for the socket to drain,
 * so the server's memory stays flat whatever the store's size. Each chunk carries a resume token; a
 * request with it continues after that chunk (in a newer snapshot: the device then pulls from the
 * OLDEST cursor of its parts).
 */
import type { EntityName } from '../../../../packages/domain/src/entities';
import type { SnapshotHead, SnapshotResumePoint } from '@mango/protocol';
import type { Db, Sql } from '../db/db';
import { ENTITY_TABLES, type TableEntityName } from '../db/entity-tables';
import { ResyncRequiredError, STORE_JSON } from '../db/entity-store';
import { HttpError } from '../http/errors';
import { resyncHttpError, syncingDeviceLastMutationId } from './pull';

export const SNAPSHOT_CHUNK_ROWS = 2000;
const DAY_MS = 86_400_000;

/**
 * Values the parts' filters read: `:since` (timestamptz; `:month` its month's start),
 * `:openTickets` and `:monthTickets` (the ids of the open tickets and of this month's).
 */
interface PartContext {
  since: string;
  openTickets: string[];
  monthTickets: string[];
}

export interface SnapshotPart {
  /** Stable name (resume tokens carry it). */
  name: string;
  entity: TableEntityName;
  essential: boolean;
  /**
   * Its rows go out marked `packed`: history a device reads rarely, which it may store many rows
   * to a record (docs/SYNC.md "Packed history"). Every part after the essentials but those
   * that say `false` (this month's).
   */
  packed?: boolean;
  /**
   * SQL condition on the table's own columns (`:store`, `:since`, `:openTickets`), or null for
   * every row. A part's condition must depend on the row alone, or be complemented by a later
   * part that takes every row (ticket lines): a row whose part changes between two parts of a
   * resumed snapshot then changed itself, and the pull from the oldest cursor brings it.
   */
  where: string | null;
}

const upcoming = 'start_at >= :since';
const today = 'business_date >= (:since)::date';
const notOf = (cond: string) => `not coalesce(${cond}, false)`;
/**
 * This month's rows (from the start of the month of `:since`) stay out of packs: a device keys a
 * packed date by its month (PACK_MONTH_FIELDS, packages/domain/src/tx.ts), so a query of today
 * (the next ticket number, the day's tickets, the book) would read every pack holding a row of
 * this month. Kept unpacked, such queries read no pack. A ticket's business date never changes,
 * so its lines and payments follow it by ticket without depending on the ticket's state.
 */
const thisMonthDate = (column: string) => `${column} >= (:month)::date`;
// This month's tickets' ids are read once per snapshot (readHead): as a sub-select, each of the
// four parts that use them scanned the store's tickets again (~175 ms of PostgreSQL at 50,000
// tickets: +40 % of its CPU per row of the whole snapshot, session 11). `= any` lets the few
// rows of this month be found by index; the history's complement probes a hashed set instead
// (`not … = any` would compare each row with every id).
const ofThisMonthsTickets = (column: string) => `${column} = any(:monthTickets)`;
const notOfThisMonthsTickets = (column: string) =>
  notOf(`${column} in (select unnest(:monthTickets))`);
/**
 * The clients of the coming appointments and of the open tickets: with the desk's essentials.
 * A store's whole client list (tens of thousands) comes after them: it kept the desk closed
 * until every client was in (8.6 s of a quick store's 11.6 s, measured in Chromium).
 */
const booked =
  'id in (select client_id from appointments where store_id = :store and start_at >= :since ' +
  "and client_id is not null and not deleted) or id in (select client_id from tickets where store_id = :store and status = 'open' " +
  'and client_id is not null and not deleted)';

/** The parts in their order, before the history ones are marked `packed` (SNAPSHOT_PARTS). */
const PARTS: readonly SnapshotPart[] = [
  { name: 'staff', entity: 'staff', essential: true, where: null },
  { name: 'service', entity: 'service', essential: true, where: null },
  { name: 'product', entity: 'product', essential: true, where: null },
  { name: 'cashDrawer', entity: 'cashDrawer', essential: true, where: null },
  { name: 'waitlistEntry', entity: 'waitlistEntry', essential: true, where: null },
  { name: 'turn:recent', entity: 'turn', essential: true, where: today },
  { name: 'walkIn:recent', entity: 'walkIn', essential: true, where: today },
  { name: 'appointment:upcoming', entity: 'appointment', essential: true, where: upcoming },
  { name: 'ticket:open', entity: 'ticket', essential: true, where: `status = 'open'` },
  {
    name: 'ticketLine:open',
    entity: 'ticketLine',
    essential: true,
    where: 'ticket_id = any(:openTickets)',
  },
  {
    name: 'payment:open',
    entity: 'payment',
    essential: true,
    where: 'ticket_id = any(:openTickets)',
  },
  { name: 'client:booked', entity: 'client', essential: true, where: booked },
  // This month's ended tickets, their lines and payments, past appointments and turns: after
  // the marker but not packed (`thisMonthDate` above); a few thousand rows at most.
  {
    name: 'ticket:month',
    entity: 'ticket',
    essential: false,
    packed: false,
    where: `${notOf(`status = 'open'`)} and ${ofThisMonthsTickets('id')}`,
  },
  {
    name: 'ticketLine:month',
    entity: 'ticketLine',
    essential: false,
    packed: false,
    where: ofThisMonthsTickets('ticket_id'),
  },
  {
    name: 'payment:month',
    entity: 'payment',
    essential: false,
    packed: false,
    where: ofThisMonthsTickets('ticket_id'),
  },
  {
    name: 'appointment:month',
    entity: 'appointment',
    essential: false,
    packed: false,
    where: `${notOf(upcoming)} and start_at >= :month`,
  },
  {
    name: 'turn:month',
    entity: 'turn',
    essential: false,
    packed: false,
    where: `${notOf(today)} and ${thisMonthDate('business_date')}`,
  },
  {
    name: 'walkIn:month',
    entity: 'walkIn',
    essential: false,
    packed: false,
    where: `${notOf(today)} and ${thisMonthDate('business_date')}`,
  },
  // The rest of the clients: the desk is open, search fills in.
  { name: 'client', entity: 'client', essential: false, where: notOf(booked) },
  // The history, packed. The parts whose rows were narrowed in session 11 have new names, so a
  // resume token of an older server naming them starts the snapshot again (400) instead of
  // skipping this month's rows.
  {
    name: 'ticket:before',
    entity: 'ticket',
    essential: false,
    where: `${notOf(`status = 'open'`)} and ${notOf(thisMonthDate('business_date'))}`,
  },
  // Every other line and payment (those of open tickets again): whether a line belongs to an
  // open ticket is its ticket's state, not its own, so no line may depend on it to be sent.
  {
    name: 'ticketLine:before',
    entity: 'ticketLine',
    essential: false,
    where: notOfThisMonthsTickets('ticket_id'),
  },
  {
    name: 'payment:before',
    entity: 'payment',
    essential: false,
    where: notOfThisMonthsTickets('ticket_id'),
  },
  { name: 'refund', entity: 'refund', essential: false, where: null },
  {
    name: 'appointment:before',
    entity: 'appointment',
    essential: false,
    where: `${notOf(upcoming)} and ${notOf('start_at >= :month')}`,
  },
  {
    name: 'turn:before',
    entity: 'turn',
    essential: false,
    where: `${notOf(today)} and ${notOf(thisMonthDate('business_date'))}`,
  },
  {
    name: 'walkIn:before',
    entity: 'walkIn',
    essential: false,
    where: `${notOf(today)} and ${notOf(thisMonthDate('business_date'))}`,
  },
  { name: 'giftCard', entity: 'giftCard', essential: false, where: null },
  { name: 'giftCardMovement', entity: 'giftCardMovement', essential: false, where: null },
  { name: 'turnEvent', entity: 'turnEvent', essential: false, where: null },
  { name: 'cashMovement', entity: 'cashMovement', essential: false, where: null },
];

/**
 * The order of a snapshot: the store row first (a part of its own), then these. What the front
 * desk needs to open comes first; the history after the `essentials` marker, marked `packed`.
 */
export const SNAPSHOT_PARTS: readonly SnapshotPart[] = PARTS.map((p) =>
  p.essential || p.packed === false ? p : { ...p, packed: true },
);

const STORE_PART = 'store';
const PART_INDEX = new Map<string, number>([
  [STORE_PART, -1],
  ...SNAPSHOT_PARTS.map((p, i): [string, number] => [p.name, i]),
]);

// ---------------------------------------------------------------------------------------------
// Resume tokens: base64url JSON {p: part, k: last id or '', s: since}.

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeResumeToken(point: SnapshotResumePoint): string {
  return Buffer.from(JSON.stringify({ p: point.part, k: point.after, s: point.since })).toString(
    'base64url',
  );
}

function badToken(why: string): HttpError {
  return new HttpError(
    400,
    'INVALID_RESUME_TOKEN',
    `The snapshot resume token is not valid (${why}): start the snapshot again without it.`,
  );
}

/** The position a resume token names; 400 INVALID_RESUME_TOKEN for anything else. */
export function decodeResumeToken(token: string): SnapshotResumePoint {
  if (token.length > 512 || !/^[A-Za-z0-9_-]+$/.test(token)) throw badToken('not base64url');
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badToken('not JSON');
  }
  const r = raw as { p?: unknown; k?: unknown; s?: unknown } | null;
  if (typeof r !== 'object' || r === null) throw badToken('not an object');
  if (typeof r.p !== 'string' || !PART_INDEX.has(r.p)) throw badToken('unknown part');
  if (typeof r.k !== 'string' || (r.k !== '' && !UUID_RE.test(r.k))) throw badToken('bad key');
  if (typeof r.s !== 'string' || Number.isNaN(Date.parse(r.s))) throw badToken('bad time');
  return { part: r.p, after: r.k.toLowerCase(), since: new Date(r.s).toISOString() };
}

// ---------------------------------------------------------------------------------------------
// The stream

/** Where the lines go. `write` resolves when the line may be followed by the next (drained). */
export interface SnapshotSink {
  /** Called once, before any line: the checks passed (errors before it are plain HTTP errors). */
  open(): void;
  write(line: string | Buffer): Promise<void>;
  /** True once the client went away: the snapshot stops reading. */
  readonly closed: boolean;
}

export interface SnapshotCommand {
  storeId: string;
  organizationId: string;
  userId: string;
  deviceId: string;
  /** Continue after this point (from a chunk's `resume`), with the cursor and epoch it came with. */
  resume?: { point: SnapshotResumePoint; cursor: number; epoch?: string | undefined };
  nowMs: number;
  chunkRows?: number;
}

export interface SnapshotOutcome {
  rows: number;
  chunks: number;
  cursor: number;
  /** Completed: the `end` line was written. */
  complete: boolean;
}

async function readHead(
  sql: Sql,
  cmd: SnapshotCommand,
  since: string,
): Promise<{ head: SnapshotHead; openTicketIds: string[]; monthTicketIds: string[] }> {
  // Like a pull: lastMutationId is read before the rows (this is the snapshot's first statement).
  const lastMutationId = await syncingDeviceLastMutationId(sql, cmd.storeId, cmd.deviceId);
  const store = await sql.query<{ version: number; min_kept_version: number; sync_epoch: string }>(
    'select version, min_kept_version, sync_epoch from stores where id = $1',
    [cmd.storeId],
  );
  const row = store.rows[0];
  if (!row) throw new HttpError(404, 'NOT_FOUND', 'No such store.');
  const version = Number(row.version);
  if (cmd.resume) {
    // The device will pull from the first part's cursor: it must still be answerable.
    const { cursor, epoch } = cmd.resume;
    const minKept = Number(row.min_kept_version);
    let reason: 'TOMBSTONES_PURGED' | 'STORE_RESTORED' | null = null;
    if ((epoch !== undefined && epoch !== row.sync_epoch) || cursor > version) {
      reason = 'STORE_RESTORED';
    } else if (cursor > 0 && cursor < minKept) reason = 'TOMBSTONES_PURGED';
    if (reason) throw resyncHttpError(new ResyncRequiredError(cursor, reason, minKept));
  }
  const counts = await sql.query<{ entity: string; n: number }>(
    SNAPSHOT_PARTS.filter((p, i) => SNAPSHOT_PARTS.findIndex((q) => q.entity === p.entity) === i)
      .map(
        (p) =>
          `select '${p.entity}'::text as entity, count(*)::int as n from ` +
          `${ENTITY_TABLES[p.entity].table} where store_id = $1 and not deleted`,
      )
      .join('\nunion all\n'),
    [cmd.storeId],
  );
  const estimates: Record<string, number> = { store: 1 };
  for (const c of counts.rows) estimates[c.entity] = Number(c.n);
  const open = await sql.query<{ id: string }>(
    `select id from tickets where store_id = $1 and status = 'open' and not deleted`,
    [cmd.storeId],
  );
  // The tickets of `:month` (the month of `since`, as the parts' SETTING computes it).
  const month = await sql.query<{ id: string }>(
    `select id from tickets
      where store_id = $1 and business_date >= (date_trunc('month', $2::timestamptz))::date`,
    [cmd.storeId, since],
  );
  return {
    head: {
      type: 'head',
      cursor: version,
      epoch: row.sync_epoch,
      lastMutationId,
      since,
      estimates,
      total: Object.values(estimates).reduce((a, b) => a + b, 0),
    },
    openTicketIds: open.rows.map((r) => r.id),
    monthTicketIds: month.rows.map((r) => r.id),
  };
}

/**
 * The values a part's query reads, as transaction-local settings: PostgreSQL streams the rows by
 * COPY (`Sql.streamText`), which binds no parameters. `statement_timeout`: the COPY of a part
 * runs at the client's pace (backpressure), a slow tablet's large part longer than a request's
 * statement; a client that stops reading is cut after this (the device resumes).
 */
const PART_SETTINGS = `select set_config('mango.snapshot_store', $1, true),
  set_config('mango.snapshot_after', $2, true), set_config('mango.snapshot_since', $3, true),
  set_config('mango.snapshot_open', $4, true), set_config('mango.snapshot_month_tickets', $5, true),
  set_config('statement_timeout', '600s', true)`;
const SETTING: Record<string, string> = {
  store: `current_setting('mango.snapshot_store')::uuid`,
  since: `current_setting('mango.snapshot_since')::timestamptz`,
  openTickets: `current_setting('mango.snapshot_open')::uuid[]`,
  // Parsed once, by an init plan, not for every row (current_setting is no constant to the
  // planner: parsing this month's ids per row took 37 s a part at 50,000 tickets). The cast is
  // inside the sub-select, and the outer one (a no-op) keeps `= any(…)` an array expression.
  monthTickets: `(select current_setting('mango.snapshot_month_tickets')::uuid[])::uuid[]`,
  month: `date_trunc('month', current_setting('mango.snapshot_since')::timestamptz)`,
};

/**
 * A part's rows after `mango.snapshot_after` in id order, each as its JSON text built by
 * PostgreSQL (`{"id":…,"version":…,"data":…}`, a pull row's shape): the server passes the
 * bytes on without decoding them (decoding and re-encoding was most of its CPU per row). The plan runs once for the part (keyset
 * pages would plan, and with stale statistics sort, the whole part again for every chunk).
 */
function partSelect(part: SnapshotPart): string {
  const cond = part.where
    ? ` and (${part.where.replace(/:(store|since|openTickets|monthTickets|month)\b/g, (_, name: string) => SETTING[name]!)})`
    : '';
  return (
    `select '{"id":"' || id || '","version":' || version || ',"data":' || data::text || '}' ` +
    `from ${ENTITY_TABLES[part.entity].table} where store_id = ${SETTING.store} and not deleted ` +
    `and id > current_setting('mango.snapshot_after')::uuid${cond} order by id`
  );
}

/** Where a row's id is in its JSON: after `{"id":"`, 36 ASCII characters. */
const ID_FROM = 7;
const ID_TO = ID_FROM + 36;
const COMMA = Buffer.from(',');

/** One `rows` line around rows already in JSON, as bytes (one copy). */
function rowsLine(
  entity: EntityName,
  rows: readonly Buffer[],
  resume: string,
  packed = false,
): Buffer {
  const parts: Buffer[] = [Buffer.from(`{"type":"rows","entity":"${entity}","rows":[`)];
  for (let i = 0; i < rows.length; i++) {
    if (i > 0) parts.push(COMMA);
    parts.push(rows[i]!);
  }
  parts.push(Buffer.from(`],"resume":"${resume}"${packed ? ',"packed":true' : ''}}\n`));
  return Buffer.concat(parts);
}

/**
 * Streams the snapshot into `sink`. Errors before `sink.open()` (device, 409, 404) are thrown
 * as HttpErrors; after it, the caller can only cut the stream (the device resumes).
 */
export async function streamSnapshot(
  db: Db,
  cmd: SnapshotCommand,
  sink: SnapshotSink,
): Promise<SnapshotOutcome> {
  const limit = cmd.chunkRows ?? SNAPSHOT_CHUNK_ROWS;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new TypeError(`bad chunkRows ${limit}`);
  const since = cmd.resume?.point.since ?? new Date(cmd.nowMs - DAY_MS).toISOString();
  return db.transaction(
    {
      storeId: cmd.storeId,
      organizationId: cmd.organizationId,
      userId: cmd.userId,
      deviceId: cmd.deviceId,
    },
    async (sql) => {
      const { head, openTicketIds, monthTicketIds } = await readHead(sql, cmd, since);
      const ctx: PartContext = { since, openTickets: openTicketIds, monthTickets: monthTicketIds };
      sink.open();
      await sink.write(JSON.stringify(head) + '\n');
      const outcome: SnapshotOutcome = { rows: 0, chunks: 0, cursor: head.cursor, complete: false };
      const start = cmd.resume?.point;
      let partIndex = start ? (PART_INDEX.get(start.part) ?? -1) : -1;
      let after = start?.after ?? '';
      const token = (part: string, key: string) => encodeResumeToken({ part, after: key, since });
      if (partIndex === -1) {
        // The store row (the `store` entity), built by the same expression as a pull's.
        const store = await sql.query<{ id: string; version: number; data: string }>(
          `select s.id, s.settings_version as version, (${STORE_JSON})::text as data
             from stores s where s.id = $1`,
          [cmd.storeId],
        );
        const rows = store.rows.map((r) =>
          Buffer.from(`{"id":"${r.id}","version":${Number(r.version)},"data":${r.data}}`),
        );
        await sink.write(rowsLine('store', rows, token(SNAPSHOT_PARTS[0]!.name, '')));
        outcome.rows += rows.length;
        outcome.chunks++;
        partIndex = 0;
        after = '';
      }
      let essentialsSent = false;
      for (; partIndex < SNAPSHOT_PARTS.length; partIndex++) {
        const part = SNAPSHOT_PARTS[partIndex]!;
        if (!part.essential && !essentialsSent) {
          await sink.write('{"type":"essentials"}\n');
          essentialsSent = true;
        }
        await sql.query(PART_SETTINGS, [
          cmd.storeId,
          after || '00000000-0000-0000-0000-000000000000',
          ctx.since,
          `{${ctx.openTickets.join(',')}}`,
          `{${ctx.monthTickets.join(',')}}`,
        ]);
        const next = SNAPSHOT_PARTS[partIndex + 1];
        await sql.streamText(partSelect(part), limit, async (rows) => {
          const last = rows.at(-1)!.toString('latin1', ID_FROM, ID_TO);
          // After the part's last chunk the token points at the next part's start.
          const resume =
            rows.length === limit
              ? token(part.name, last)
              : next
                ? token(next.name, '')
                : token(part.name, last);
          await sink.write(rowsLine(part.entity, rows, resume, part.packed === true));
          outcome.rows += rows.length;
          outcome.chunks++;
          return !sink.closed;
        });
        if (sink.closed) return outcome;
        after = '';
      }
      if (!essentialsSent) await sink.write('{"type":"essentials"}\n');
      if (sink.closed) return outcome;
      await sink.write(JSON.stringify({ type: 'end', cursor: head.cursor }) + '\n');
      outcome.complete = true;
      return outcome;
    },
    { readOnlySnapshot: true },
  );
}
