import { describe, expect, it } from 'vitest';
import { parsePostgresHosts, postgresUrlProblem, redactPostgresUrl } from './multi-host-url';

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

describe('postgresUrlProblem', () => {
  it('accepts one host, or several with target_session_attrs=read-write', () => {
    for (const url of [
      'postgres://u:p@h:5432/db',
      'postgres:///db?host=/var/run/postgresql',
      'postgres://u@h1:5432,h2:5433/db?target_session_attrs=read-write',
    ])
      expect(postgresUrlProblem(url)).toBeUndefined();
  });

  it.each([
    ['postgres://u@h1,h2/db', /names 2 hosts: add target_session_attrs=read-write/],
    ['http://h/db', /must be a postgres:\/\/ or postgresql:\/\/ URL/],
    ['postgres://h:99999/db', /postgres:\/\/ or postgresql:\/\/ URL/],
    ['', /postgres:\/\/ or postgresql:\/\/ URL/],
  ])('names what is wrong with %s', (url, message) => {
    expect(postgresUrlProblem(url)).toMatch(message);
  });
});

describe('redactPostgresUrl', () => {
  it('hides the password and keeps user, hosts, database and options', () => {
    expect(
      redactPostgresUrl(
        'postgres://app:s%40cr3t@10.0.0.1:6432,db-b:5432/mango?target_session_attrs=read-write',
      ),
    ).toBe('postgres://app:***@10.0.0.1:6432,db-b:5432/mango?target_session_attrs=read-write');
    expect(redactPostgresUrl('postgresql://h/db?sslmode=require&password=hunter2')).toBe(
      'postgresql://h/db?sslmode=require&password=***',
    );
    expect(redactPostgresUrl('postgres://app@h1,h2/db')).toBe('postgres://app@h1,h2/db');
    expect(redactPostgresUrl('not a url with a secret')).toBe('(not a URL)');
  });
});
