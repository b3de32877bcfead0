import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives the embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.demoSeed).toBe(true);
  });

  it('parses typed values', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u@h:5432/db',
      DEMO_SEED: 'false',
    });
    expect(config.port).toBe(8080);
    expect(config.databaseUrl).toBe('postgres://u@h:5432/db');
    expect(config.demoSeed).toBe(false);
  });

  it('refuses a bad DATABASE_URL with a message naming the option', () => {
    expect(() => loadConfig({ DATABASE_URL: 'not-a-url' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'not-a-url' })).toThrow(/DATABASE_URL/);
  });

  it('takes several database hosts for failover, and says what is wrong with a bad list', () => {
    const url = 'postgres://u@h1:5432,h2:5433/db?target_session_attrs=read-write';
    expect(loadConfig({ DATABASE_URL: url, DATABASE_OWNER_URL: url }).databaseUrl).toBe(url);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@h1,h2/db' })).toThrow(
      /DATABASE_URL.*target_session_attrs=read-write/,
    );
    expect(() =>
      loadConfig({
        DATABASE_OWNER_URL: 'postgres://u@h1:99999,h2/db?target_session_attrs=read-write',
      }),
    ).toThrow(/DATABASE_OWNER_URL.*host 1 \(h1:99999\) has a port outside/);
    // The replica URL is one host: several are refused.
    expect(() =>
      loadConfig({ DATABASE_REPLICA_URL: 'postgres://u@h1,h2/db?target_session_attrs=read-write' }),
    ).toThrow(/DATABASE_REPLICA_URL/);
  });

  it('names every bad option at once', () => {
    try {
      loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (e) {
      expect(String(e)).toMatch(/PORT/);
      expect(String(e)).toMatch(/LOG_LEVEL/);
    }
  });

  it('takes a Sentry DSN the SDKs accept, and refuses one they would silently drop', () => {
    const config = loadConfig({ SENTRY_DSN: 'https://0123abcd@o1.ingest.sentry.io/4507' });
    expect(config).toMatchObject({
      sentryDsn: 'https://0123abcd@o1.ingest.sentry.io/4507',
      sentryEnvironment: 'production',
      sentrySampleRate: 1,
    });
    for (const bad of [
      'https://o1.ingest.sentry.io/4507', // no key
      'https://public-key@o1.ingest.sentry.io/4507', // not a word: the SDKs drop every event
      'https://k@o1.ingest.sentry.io/', // no project
      'ftp://k@o1.ingest.sentry.io/1',
      'not a url',
    ])
      expect(() => loadConfig({ SENTRY_DSN: bad })).toThrow(/SENTRY_DSN/);
    expect(() => loadConfig({ SENTRY_SAMPLE_RATE: '1.5' })).toThrow(/SENTRY_SAMPLE_RATE/);
  });
});
