import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SseParser } from './sse';

const STREAM =
  'retry: 2000\n\n: heartbeat\n\nevent: version\ndata: {"version": 1}\n\n' +
  'event: version\r\ndata: {"version": 2}\r\n\r\n' +
  'data: line one\ndata: line two\nid: 7\n\n' +
  'event: version\rdata: {"version": 3}\r\r';

describe('SSE parser', () => {
  it('parses events, comments, multi-line data, ids and every line ending', () => {
    const events = new SseParser().push(STREAM);
    expect(events.map((e) => [e.event, e.data])).toEqual([
      ['version', '{"version": 1}'],
      ['version', '{"version": 2}'],
      ['message', 'line one\nline two'],
      ['version', '{"version": 3}'],
    ]);
    expect(events[0]?.retry).toBe(2000);
    expect(events[2]?.id).toBe('7');
  });

  it('gives the same events however the stream is split into chunks', () => {
    const whole = new SseParser().push(STREAM);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: STREAM.length - 1 }), { maxLength: 12 }),
        (cuts) => {
          const points = [0, ...[...cuts].sort((a, b) => a - b), STREAM.length];
          const parser = new SseParser();
          const events = points
            .slice(1)
            .flatMap((end, i) => parser.push(STREAM.slice(points[i], end)));
          expect(events).toEqual(whole);
        },
      ),
    );
  });
});
