import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backoffDelay, parseRetryAfter, retryDelay } from './backoff';
import { CircuitBreaker } from './circuit-breaker';
import { TransportError } from './errors';

const serverDown = () =>
  new TransportError({ kind: 'http', status: 503, code: 'UNAVAILABLE', message: 'down' });
const badRequest = () =>
  new TransportError({ kind: 'http', status: 400, code: 'VALIDATION_FAILED', message: 'bad' });

describe('backoff with full jitter', () => {
  it('stays within [0, min(max, base·2^attempt))', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 40 }),
        fc.double({ min: 0, max: 0.9999999, noNaN: true }),
        (attempt, r) => {
          const d = backoffDelay(attempt, () => r, { baseMs: 500, maxMs: 60_000 });
          const ceiling = Math.min(60_000, 500 * 2 ** attempt);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThan(ceiling);
        },
      ),
    );
  });

  it('uses the whole range: random 0 gives 0, random→1 gives the ceiling', () => {
    expect(backoffDelay(3, () => 0)).toBe(0);
    expect(backoffDelay(3, () => 0.999999)).toBe(3999);
    expect(backoffDelay(30, () => 0.999999)).toBe(59_999);
  });

  it('honours Retry-After (seconds or HTTP date) over the jitter', () => {
    const now = Date.parse('2026-11-24T15:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 15:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('999999', now)).toBe(3_600_000);
    expect(retryDelay(5, () => 0.5, 7000)).toBe(7000);
    expect(retryDelay(5, () => 0.5, undefined)).toBe(8000);
  });
});

describe('circuit breaker', () => {
  it('opens after N consecutive server failures, probes once after the cool-down, closes on success', async () => {
    let now = 0;
    const breaker = new CircuitBreaker(
      { now: () => now },
      { failureThreshold: 3, coolDownMs: 10_000 },
    );
    let calls = 0;
    const failing = () =>
      breaker.run(async () => {
        calls += 1;
        throw serverDown();
      });
    for (let i = 0; i < 3; i++)
      await expect(failing()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(breaker.state).toBe('open');
    // open: fails fast without calling the server, tells how long to wait
    await expect(failing()).rejects.toMatchObject({ kind: 'circuit-open', retryAfterMs: 10_000 });
    expect(calls).toBe(3);
    now = 9_999;
    await expect(failing()).rejects.toMatchObject({ kind: 'circuit-open', retryAfterMs: 1 });
    now = 10_000;
    expect(breaker.state).toBe('half-open');
    // a failed probe opens it again for a new cool-down
    await expect(failing()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(calls).toBe(4);
    expect(breaker.state).toBe('open');
    now = 20_000;
    // only one probe at a time in half-open
    let release: () => void = () => {};
    const probe = breaker.run(() => new Promise<string>((r) => (release = () => r('ok'))));
    await expect(breaker.run(async () => 'second')).rejects.toMatchObject({ kind: 'circuit-open' });
    release();
    await expect(probe).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(breaker.consecutiveFailures).toBe(0);
  });

  it('does not count 4xx answers (the server is up) and resets the count on success', async () => {
    const breaker = new CircuitBreaker({ now: () => 0 }, { failureThreshold: 2 });
    await expect(
      breaker.run(async () => {
        throw serverDown();
      }),
    ).rejects.toBeDefined();
    await expect(
      breaker.run(async () => {
        throw badRequest();
      }),
    ).rejects.toBeDefined();
    await expect(
      breaker.run(async () => {
        throw serverDown();
      }),
    ).rejects.toBeDefined();
    expect(breaker.state).toBe('closed');
  });

  it('classifies errors: network, timeout, 5xx, 429 retry; other 4xx are permanent', () => {
    const http = (status: number) =>
      new TransportError({ kind: 'http', status, code: 'X', message: '' });
    expect(new TransportError({ kind: 'network', code: 'N', message: '' }).retryable).toBe(true);
    expect(new TransportError({ kind: 'timeout', code: 'T', message: '' }).retryable).toBe(true);
    expect([500, 502, 503, 429, 408].map((s) => http(s).retryable)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect([400, 401, 403, 404, 409, 413].map((s) => http(s).retryable)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(http(429).isServerFailure).toBe(false);
  });
});
