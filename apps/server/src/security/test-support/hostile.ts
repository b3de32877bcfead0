/** Helpers of the hostile-input suites: raw requests, the error-body check and a write detector. */
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../db/db';

/** Strings that break naive SQL, HTML, path, template and number handling. */
export const INJECTION_STRINGS = [
  "' or '1'='1",
  "'; drop table stores; --",
  '1; select pg_sleep(10)',
  "x' union select password_hash from users --",
  '<img src=x onerror=alert(1)>',
  '<script>alert(document.cookie)</script>',
  '"><svg onload=alert(1)>',
  'javascript:alert(1)',
  '${7*7}{{7*7}}',
  '../../../../etc/passwd',
  '\u0000',
  '\ud800',
  '\u202e',
  '%00',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '9007199254740993',
  '__proto__',
  'constructor',
  'null',
  '😀'.repeat(200),
  'a'.repeat(5000),
];

export interface RawRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface RawResponse {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

const HANG_MS = 15_000;

/**
 * Sends a request through `inject` as a stream, so an event stream that opens (a valid SSE
 * request) is read up to its headers and then dropped instead of hanging the test. Anything that
 * does not answer in 15 s is a hang and fails.
 */
export async function sendRaw(app: FastifyInstance, req: RawRequest): Promise<RawResponse> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer in ${HANG_MS} ms: ${req.method} ${req.url}`)),
      HANG_MS,
    );
  });
  try {
    const res = await Promise.race([
      app.inject({
        method: req.method as 'GET',
        url: req.url,
        headers: req.headers,
        ...(req.body === undefined ? {} : { payload: req.body }),
        payloadAsStream: true,
        signal: abort.signal,
      }),
      hang,
    ]);
    const stream = res.stream();
    if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
      abort.abort();
      stream.on('error', () => {});
      stream.destroy();
      return { statusCode: res.statusCode, headers: res.headers, body: '' };
    }
    const chunks: Buffer[] = [];
    const read = (async () => {
      for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
    })();
    await Promise.race([read, hang]);
    return {
      statusCode: res.statusCode,
      headers: res.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The API's error body `{ error: { code, message } }`, or null when the response is not one. */
export function readErrorBody(res: RawResponse): { code: string; message: string } | null {
  if (!String(res.headers['content-type'] ?? '').startsWith('application/json')) return null;
  try {
    const parsed = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = parsed.error ?? {};
    if (typeof code !== 'string' || !/^[A-Z][A-Z0-9_]+$/.test(code)) return null;
    if (typeof message !== 'string' || message.length === 0) return null;
    return { code, message };
  } catch {
    return null;
  }
}

/**
 * A fingerprint of everything stored: row count and content hash of every table (as the owner,
 * past RLS). Equal before and after a request means the request wrote nothing. Failed PIN
 * attempts are counted on purpose (the lockout), so staff_pins contributes its row count only.
 */
export async function snapshotWrites(db: Db): Promise<Record<string, string>> {
  return db.ownerTransaction(async (sql) => {
    const tables = await sql.query<{ name: string }>(
      `select c.relname as name from pg_class c
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
          and not c.relispartition and c.relname <> 'schema_migrations'
        order by c.relname`,
    );
    const parts = tables.rows.map(({ name }) =>
      name === 'staff_pins'
        ? `'${name}', (select count(*)::text from "${name}")`
        : `'${name}', (select count(*)::text || ':' || coalesce(md5(string_agg(t::text, ',' order by t::text)), '') from "${name}" t)`,
    );
    const res = await sql.query<{ snapshot: Record<string, string> }>(
      `select json_build_object(${parts.join(', ')}) as snapshot`,
    );
    return res.rows[0]!.snapshot;
  });
}

/** A fingerprint of one store's rows in every table that has a store_id (and its stores row). */
export async function snapshotStore(db: Db, storeId: string): Promise<Record<string, string>> {
  return db.ownerTransaction(async (sql) => {
    const tables = await sql.query<{ name: string }>(
      `select c.relname as name from pg_class c
         join pg_attribute a on a.attrelid = c.oid and a.attname = 'store_id' and not a.attisdropped
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
          and not c.relispartition
        order by c.relname`,
    );
    const parts = tables.rows.map(
      ({ name }) =>
        `'${name}', (select count(*)::text || ':' || coalesce(md5(string_agg(t::text, ',' order by t::text)), '') from "${name}" t where t.store_id = $1::uuid)`,
    );
    const res = await sql.query<{ snapshot: Record<string, string> }>(
      `select json_build_object('stores', (select s::text from stores s where s.id = $1::uuid), ${parts.join(', ')}) as snapshot`,
      [storeId],
    );
    return res.rows[0]!.snapshot;
  });
}
