import { describe, expect, it } from 'vitest';
import { parsePostgresHosts } from './multi-host-url';

describe('parsePostgresHosts', () => {
  it('leaves a one-host URL as it is', () => {
    for (const url of [
      'postgres://u:p@h:5432/db?sslmode=disable',
      'postgresql://h/db',
      'postgres:///db?host=/var/run/postgresql',
    ])
      expect(parsePostgresHosts(url)).toEqual({ urls: [url], primaryOnly: false });
  });

  it('splits several hosts into one URL each, in order, keeping user, database and options', () => {
    expect(
      parsePostgresHosts(
        'postgres://app:s%40cret@10.0.0.1:6432,db-b,[::1]:5433/mango?target_session_attrs=read-write&sslmode=require',
      ),
    ).toEqual({
      urls: [
        'postgres://app:s%40cret@10.0.0.1:6432/mango?sslmode=require',
        'postgres://app:s%40cret@db-b:5432/mango?sslmode=require',
        'postgres://app:s%40cret@[::1]:5433/mango?sslmode=require',
      ],
      primaryOnly: true,
    });
    expect(
      parsePostgresHosts('postgresql://h1:1,h2:2/db?target_session_attrs=primary').urls,
    ).toEqual(['postgresql://h1:1/db', 'postgresql://h2:2/db']);
  });

  it.each([
    ['mysql://h1,h2/db', /postgres:\/\/ or postgresql:\/\//],
    ['postgres://h1,h2/db', /names 2 hosts: add target_session_attrs=read-write/],
    ['postgres://h1,h2/db?target_session_attrs=any', /names 2 hosts/],
    [
      'postgres://h/db?target_session_attrs=standby',
      /target_session_attrs=standby is not supported/,
    ],
    [
      'postgres://h1,,h2/db?target_session_attrs=read-write',
      /host 2 \(empty\) is not host\[:port\]/,
    ],
    ['postgres://h1:0,h2/db?target_session_attrs=read-write', /host 1 \(h1:0\) has a port outside/],
    [
      'postgres://h1:x,h2/db?target_session_attrs=read-write',
      /host 1 \(h1:x\) is not host\[:port\]/,
    ],
  ])('refuses %s', (url, message) => {
    expect(() => parsePostgresHosts(url)).toThrow(message);
  });
});
