import { postgresUrlProblem, redactPostgresUrl } from '../db/multi-host-url';
import { HttpError } from '../http/errors';
import type { ShardInfo } from './directory';

/**
 * The pure half of `shard-add` and `shard-list`: a directory entry checked before it is saved,
 * and shown without its passwords. Every server opens every shard of the directory at start, so
 * an entry it could not open (a bad URL, several hosts without target_session_attrs=read-write)
 * would stop every instance's next start: it is refused here, and nothing is written.
 */
export interface ShardEntryInput {
  id?: string | undefined;
  region?: string | undefined;
  url?: string | undefined;
  ownerUrl?: string | undefined;
  capacity?: string | undefined;
  closed?: boolean | undefined;
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export const shardEntryErrors = {
  badInput: (message: string) => new HttpError(400, 'VALIDATION_FAILED', message),
  badUrl: (option: string, problem: string) =>
    new HttpError(400, 'SHARD_URL_INVALID', `${option} ${problem}`),
};

function required(value: string | undefined, option: string): string {
  if (value === undefined || value === '') throw shardEntryErrors.badInput(`${option} is required`);
  return value;
}

function databaseUrl(value: string | undefined, option: string): string {
  const url = required(value, option);
  const problem = postgresUrlProblem(url);
  if (problem) throw shardEntryErrors.badUrl(option, problem);
  return url;
}

/** The entry `shard-add` saves; throws a coded HttpError (400) naming the option at fault. */
export function shardEntry(input: ShardEntryInput): ShardInfo {
  const id = required(input.id, '--id');
  if (!ID_RE.test(id))
    throw shardEntryErrors.badInput(`--id must be 1–63 letters, digits, ., - or _ (got ${id})`);
  const capacity = input.capacity === undefined ? 10_000 : Number(input.capacity);
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > 2_147_483_647)
    throw shardEntryErrors.badInput(
      `--capacity must be a whole number of organizations ≥ 1 (got ${input.capacity})`,
    );
  return {
    id,
    region: required(input.region, '--region'),
    primaryUrl: databaseUrl(input.url, '--url'),
    ownerUrl: databaseUrl(input.ownerUrl, '--owner-url'),
    replicaUrls: [],
    capacity,
    accepting: input.closed !== true,
  };
}

/** One `shard-list` line: id, region, load, open or closed, and both URLs without passwords. */
export function shardListLine(shard: ShardInfo, organizations: number): string {
  return [
    shard.id,
    shard.region,
    `${organizations}/${shard.capacity} organizations`,
    shard.accepting ? 'open' : 'closed',
    redactPostgresUrl(shard.primaryUrl),
    `owner ${redactPostgresUrl(shard.ownerUrl)}`,
  ].join('\t');
}
