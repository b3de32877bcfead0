import { describe, expect, it } from 'vitest';
import { shardEntry, shardListLine } from './shard-entry';

const PAIR =
  'postgres://mango_app:s3cret@10.0.0.1:5432,10.0.0.2:5432/mango?target_session_attrs=read-write';
const PAIR_OWNER =
  'postgres://mango_owner:0wner@10.0.0.1:5432,10.0.0.2:5432/mango?target_session_attrs=read-write';

describe('shard-add entries', () => {
  it('takes a failover pair (several hosts, target_session_attrs=read-write) as the shard URLs', () => {
    expect(
      shardEntry({ id: 'eu-1', region: 'eu', url: PAIR, ownerUrl: PAIR_OWNER, capacity: '500' }),
    ).toEqual({
      id: 'eu-1',
      region: 'eu',
      primaryUrl: PAIR,
      ownerUrl: PAIR_OWNER,
      replicaUrls: [],
      capacity: 500,
      accepting: true,
    });
    expect(
      shardEntry({
        id: 'us-1',
        region: 'us',
        url: 'postgres://a@h/db',
        ownerUrl: 'postgres://o@h/db',
        closed: true,
      }),
    ).toMatchObject({ capacity: 10_000, accepting: false });
  });

  it.each([
    [{ url: 'postgres://a@h1:5432,h2:5432/db' }, 'SHARD_URL_INVALID', /--url names 2 hosts/],
    [
      { ownerUrl: 'postgres://a@h1,h2/db?target_session_attrs=standby' },
      'SHARD_URL_INVALID',
      /--owner-url target_session_attrs=standby is not supported/,
    ],
    [
      { url: 'postgres://a@h1:0,h2/db?target_session_attrs=read-write' },
      'SHARD_URL_INVALID',
      /--url host 1 \(h1:0\) has a port outside/,
    ],
    [{ url: 'mysql://h/db' }, 'SHARD_URL_INVALID', /--url must be a postgres:\/\//],
    [{ url: undefined }, 'VALIDATION_FAILED', /--url is required/],
    [{ region: '' }, 'VALIDATION_FAILED', /--region is required/],
    [{ id: 'eu 1' }, 'VALIDATION_FAILED', /--id must be/],
    [{ capacity: 'ten' }, 'VALIDATION_FAILED', /--capacity must be a whole number/],
    [{ capacity: '0' }, 'VALIDATION_FAILED', /--capacity/],
  ])('refuses %o with a coded error', (change, code, message) => {
    const input = { id: 'eu-1', region: 'eu', url: PAIR, ownerUrl: PAIR_OWNER, ...change };
    let err: unknown;
    try {
      shardEntry(input);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ statusCode: 400, code });
    expect(String((err as Error).message)).toMatch(message);
  });

  it('lists a shard with its hosts and without its passwords', () => {
    const line = shardListLine(
      shardEntry({ id: 'eu-1', region: 'eu', url: PAIR, ownerUrl: PAIR_OWNER, capacity: '500' }),
      3,
    );
    expect(line.split('\t')).toEqual([
      'eu-1',
      'eu',
      '3/500 organizations',
      'open',
      'postgres://mango_app:***@10.0.0.1:5432,10.0.0.2:5432/mango?target_session_attrs=read-write',
      'owner postgres://mango_owner:***@10.0.0.1:5432,10.0.0.2:5432/mango?target_session_attrs=read-write',
    ]);
    expect(line).not.toMatch(/s3cret|0wner/);
  });
});
