import { describe, expect, it } from 'vitest';
import { errorEnvelope, parseSentryDsn, stackFrames } from './sentry';

describe('Sentry envelope', () => {
  it('reads a DSN into the envelope endpoint and key', () => {
    expect(parseSentryDsn('https://abc123@o1.ingest.sentry.io/4507')).toEqual({
      dsn: 'https://abc123@o1.ingest.sentry.io/4507',
      publicKey: 'abc123',
      envelopeUrl: 'https://o1.ingest.sentry.io/api/4507/envelope/',
    });
    expect(parseSentryDsn('https://k@self.hosted:9000/sentry/7')?.envelopeUrl).toBe(
      'https://self.hosted:9000/sentry/api/7/envelope/',
    );
    expect(parseSentryDsn('https://o1.ingest.sentry.io/4507')).toBeNull(); // no key
    expect(parseSentryDsn('https://k@o1.ingest.sentry.io/')).toBeNull(); // no project
    expect(parseSentryDsn('not a url')).toBeNull();
  });

  it('reads V8 and Firefox stack lines, oldest call first', () => {
    const frames = stackFrames(
      [
        'TypeError: boom',
        '    at inner (/app/src/a.ts:10:5)',
        '    at /app/node_modules/fastify/lib/x.js:1:2',
        'outer@https://pos.example/assets/index.js:3:17',
      ].join('\n'),
    );
    expect(frames).toEqual([
      {
        function: 'outer',
        filename: 'https://pos.example/assets/index.js',
        lineno: 3,
        colno: 17,
        in_app: true,
      },
      { filename: '/app/node_modules/fastify/lib/x.js', lineno: 1, colno: 2, in_app: false },
      { function: 'inner', filename: '/app/src/a.ts', lineno: 10, colno: 5, in_app: true },
    ]);
  });

  it('builds header, item header and event lines that agree on id and length', () => {
    const target = parseSentryDsn('https://k@h.example/1')!;
    const text = errorEnvelope(
      target,
      {
        type: 'Error',
        message: 'näive failure', // multi-byte: length is bytes, not characters
        release: 'r1',
        source: 'server',
        timestamp: new Date('2026-11-24T10:00:00.000Z'),
      },
      '0f0e0d0c-0b0a-4908-8706-050403020100',
    );
    const [header, item, payload] = text.split('\n');
    expect(JSON.parse(header!)).toEqual({
      event_id: '0f0e0d0c0b0a49088706050403020100',
      dsn: 'https://k@h.example/1',
      sent_at: '2026-11-24T10:00:00.000Z',
    });
    expect(JSON.parse(item!).length).toBe(Buffer.byteLength(payload!));
    expect(JSON.parse(payload!)).toMatchObject({
      event_id: '0f0e0d0c0b0a49088706050403020100',
      timestamp: Date.parse('2026-11-24T10:00:00.000Z') / 1000,
      exception: { values: [{ type: 'Error', value: 'näive failure' }] },
    });
  });
});
