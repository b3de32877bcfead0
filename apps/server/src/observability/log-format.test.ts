import { Writable } from 'node:stream';
import { pino } from 'pino';
import { expect, it, vi } from 'vitest';
import { loggerOptions, logDestination } from './logging';

it.each([
  ['json', true],
  ['json', false],
  ['auto', false],
] as const)('LOG_FORMAT=%s with a terminal: %s writes JSON (pino’s own stdout)', (format, tty) => {
  expect(logDestination(format, tty)).toBeUndefined();
});

it.each([
  ['auto', true],
  ['pretty', false],
] as const)(
  'LOG_FORMAT=%s with a terminal: %s writes readable lines, still redacted',
  async (format, tty) => {
    const lines: string[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const destination = logDestination(format, tty, out);
    expect(destination).toBeDefined();
    const { stream, ...options } = loggerOptions('info', destination);
    const log = pino(options, stream);
    log.info({ storeId: 's-1', body: { password: 'hunter2' } }, 'store opened');
    log.debug('below the level');
    log.warn('last line');
    // pino-pretty is a transform stream: its output arrives a tick later.
    await vi.waitFor(() => expect(lines.join('')).toContain('last line'));
    const coloured = lines.join('');
    // eslint-disable-next-line no-control-regex
    const text = coloured.replace(/\u001b\[\d+m/g, '');
    expect(text).toMatch(/\d\d:\d\d:\d\d\.\d{3}.*INFO.*store opened/);
    expect(text).toContain('storeId: "s-1"');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('below the level');
    expect(() => JSON.parse(text)).toThrow();
    // Colours only for a terminal (escape codes would litter a file).
    expect(coloured.includes('\u001b[')).toBe(tty);
  },
);
