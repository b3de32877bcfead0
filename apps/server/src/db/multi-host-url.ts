/**
 * libpq's multi-host connection strings, which node-postgres does not understand:
 * `postgres://user@h1:5432,h2:5433/db?target_session_attrs=read-write`. Pure: parsing only.
 *
 * The server writes only on the primary, so several hosts require
 * `target_session_attrs=read-write` (or `primary`): the pool then connects to the first host that
 * answers `pg_is_in_recovery() = false` and takes writes (see primary-pool.ts). One host is a
 * plain URL.
 */

interface PostgresHost {
  host: string;
  port: number;
}

export interface PostgresHosts {
  /** One single-host URL per host, in order (one host: the URL as given). */
  urls: string[];
  /** Set when the URL named several hosts: connect only to the primary among them. */
  primaryOnly: boolean;
}

export class PostgresUrlError extends Error {
  override readonly name = 'PostgresUrlError';
}

const SCHEME_RE = /^(postgres(?:ql)?):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?$/;
const PRIMARY_ATTRS = new Set(['read-write', 'primary']);
const ALL_ATTRS = new Set([...PRIMARY_ATTRS, 'any']);

function parseHost(part: string, index: number): PostgresHost {
  // [v6::addr]:port, name:port, name
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d*))?$/.exec(part);
  if (!m) throw new PostgresUrlError(`host ${index + 1} (${part || 'empty'}) is not host[:port]`);
  const port = m[2] === undefined || m[2] === '' ? 5432 : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new PostgresUrlError(`host ${index + 1} (${part}) has a port outside 1–65535`);
  return { host: m[1]!, port };
}

/** Parses a PostgreSQL URL with one or more comma-separated hosts. Throws PostgresUrlError. */
export function parsePostgresHosts(url: string): PostgresHosts {
  const m = SCHEME_RE.exec(url);
  if (!m) throw new PostgresUrlError('must be a postgres:// or postgresql:// URL');
  const [, scheme, authority, pathPart, query = ''] = m;
  const at = authority!.lastIndexOf('@');
  const userinfo = at >= 0 ? authority!.slice(0, at + 1) : '';
  const hostList = at >= 0 ? authority!.slice(at + 1) : authority!;
  const params = new URLSearchParams(query);
  const attrs = params.get('target_session_attrs');
  if (attrs !== null && !ALL_ATTRS.has(attrs))
    throw new PostgresUrlError(
      `target_session_attrs=${attrs} is not supported (use read-write, primary or any)`,
    );
  // One host (or none: a Unix socket named in ?host=) is what pg reads itself, unchanged.
  if (!hostList.includes(',')) return { urls: [url], primaryOnly: false };
  const hosts = hostList.split(',').map(parseHost);
  if (!PRIMARY_ATTRS.has(attrs ?? 'any'))
    throw new PostgresUrlError(
      `names ${hosts.length} hosts: add target_session_attrs=read-write so that the server writes only on the primary`,
    );
  params.delete('target_session_attrs');
  const rest = params.size > 0 ? `?${params.toString()}` : '';
  const urls = hosts.map(
    ({ host, port }) => `${scheme}://${userinfo}${host}:${port}${pathPart}${rest}`,
  );
  for (const u of urls) {
    try {
      new URL(u);
    } catch {
      throw new PostgresUrlError(`is not a valid URL for host ${u.replace(/\/\/[^@/]*@/, '//')}`);
    }
  }
  return { urls, primaryOnly: true };
}

/**
 * Why `url` cannot be a database URL (one host, or several with target_session_attrs=read-write),
 * or undefined when it can. The one rule for DATABASE_URL, DATABASE_OWNER_URL and the shard
 * directory's entries, so a URL the server would refuse at start is refused when it is saved.
 */
export function postgresUrlProblem(url: string): string | undefined {
  try {
    const { urls } = parsePostgresHosts(url);
    if (urls.length === 1) new URL(url);
    return undefined;
  } catch (e) {
    return e instanceof PostgresUrlError ? e.message : 'must be a postgres:// or postgresql:// URL';
  }
}

/**
 * The URL to show a person: the password (in the user part or a `password=` parameter) replaced
 * by `***`, the hosts kept. Text that is not a PostgreSQL URL is shown as `(not a URL)`.
 */
export function redactPostgresUrl(url: string): string {
  const m = SCHEME_RE.exec(url);
  if (!m) return '(not a URL)';
  const [, scheme, authority, pathPart, query = ''] = m;
  const at = authority!.lastIndexOf('@');
  const hosts = at >= 0 ? authority!.slice(at + 1) : authority!;
  const userinfo = at >= 0 ? authority!.slice(0, at) : undefined;
  const colon = userinfo?.indexOf(':') ?? -1;
  const user =
    userinfo === undefined ? '' : colon >= 0 ? `${userinfo.slice(0, colon)}:***@` : `${userinfo}@`;
  const params = new URLSearchParams(query);
  if (params.has('password')) params.set('password', '***');
  const rest = params.size > 0 ? `?${params.toString().replace(/%2A/g, '*')}` : '';
  return `${scheme}://${user}${hosts}${pathPart}${rest}`;
}
