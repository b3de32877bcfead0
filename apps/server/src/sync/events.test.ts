import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createInProcessBus, type EventBus, type VersionListener } from '../bus/event-bus';
import { EventStreams, HEARTBEAT_SLOTS, type StreamSink } from './events';

const HEARTBEAT_MS = 16_000;

class FakeSink implements StreamSink {
  readonly chunks: string[] = [];
  ended = false;
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  end(): void {
    this.ended = true;
  }
  versions(): number[] {
    return this.chunks
      .filter((c) => c.startsWith('event: version'))
      .map((c) => (JSON.parse(c.split('data: ')[1] as string) as { version: number }).version);
  }
  heartbeats(): number {
    return this.chunks.filter((c) => c.startsWith(': heartbeat')).length;
  }
}

/** The in-process bus, counting what the streams ask of it. */
function countingBus(failSubscribe = false) {
  const inner = createInProcessBus();
  const calls = { subscribe: 0, unsubscribe: 0 };
  const bus: EventBus = {
    publish: (storeId, version) => inner.publish(storeId, version),
    async subscribe(storeId: string, listener: VersionListener) {
      calls.subscribe++;
      if (failSubscribe) throw new Error('no bus');
      const unsubscribe = await inner.subscribe(storeId, listener);
      return async () => {
        calls.unsubscribe++;
        await unsubscribe();
      };
    },
    close: () => inner.close(),
  };
  return { bus, calls };
}

describe('EventStreams', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the current version at once, then only versions above the last sent', async () => {
    const { bus } = countingBus();
    const streams = new EventStreams();
    const sink = new FakeSink();
    const stream = streams.open('s1', sink, 4, { bus, heartbeatMs: HEARTBEAT_MS });
    await streams.ready(stream);
    for (const v of [4, 3, 5, 5, 7, 6]) await bus.publish('s1', v);
    await bus.publish('other-store', 9);
    expect(sink.versions()).toEqual([4, 5, 7]);
  });

  it('subscribes once per store for all its streams, and lets go with the last one', async () => {
    const { bus, calls } = countingBus();
    const streams = new EventStreams();
    const sinks = Array.from({ length: 30 }, () => new FakeSink());
    const open = sinks.map((sink, i) =>
      streams.open(i < 20 ? 'a' : 'b', sink, 1, { bus, heartbeatMs: HEARTBEAT_MS }),
    );
    await Promise.all(open.map((s) => streams.ready(s)));
    expect(calls.subscribe).toBe(2);
    expect(streams.count()).toBe(30);
    expect(streams.countFor('a')).toBe(20);

    await bus.publish('a', 2);
    expect(sinks.map((s) => s.versions().at(-1))).toEqual([
      ...Array<number>(20).fill(2),
      ...Array<number>(10).fill(1),
    ]);

    for (const s of open.slice(0, 19)) streams.close(s);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.unsubscribe).toBe(0);
    streams.close(open[19]!);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.unsubscribe).toBe(1);
    expect(streams.countFor('a')).toBe(0);
    expect(sinks[0]!.ended).toBe(true);
  });

  it('heartbeats every stream once per interval from one timer, spread over the interval', async () => {
    const { bus } = countingBus();
    const streams = new EventStreams();
    const sinks = Array.from({ length: 4 * HEARTBEAT_SLOTS }, () => new FakeSink());
    for (const sink of sinks) streams.open('s', sink, 1, { bus, heartbeatMs: HEARTBEAT_MS });
    expect(vi.getTimerCount()).toBe(1);

    const beatsAfter = async (ms: number) => {
      await vi.advanceTimersByTimeAsync(ms);
      return sinks.reduce((n, s) => n + s.heartbeats(), 0);
    };
    // One slot's worth of streams per tick, not all of them at once.
    expect(await beatsAfter(HEARTBEAT_MS / HEARTBEAT_SLOTS)).toBe(4);
    expect(await beatsAfter(HEARTBEAT_MS - HEARTBEAT_MS / HEARTBEAT_SLOTS)).toBe(sinks.length);
    expect(sinks.every((s) => s.heartbeats() === 1)).toBe(true);
    await vi.advanceTimersByTimeAsync(2 * HEARTBEAT_MS);
    expect(sinks.every((s) => s.heartbeats() === 3)).toBe(true);
  });

  it('stops the heartbeat when the last stream closes and no closed stream is written to', async () => {
    const { bus } = countingBus();
    const streams = new EventStreams();
    const sink = new FakeSink();
    const stream = streams.open('s', sink, 1, { bus, heartbeatMs: HEARTBEAT_MS });
    streams.close(stream);
    expect(vi.getTimerCount()).toBe(0);
    const written = sink.chunks.length;
    await bus.publish('s', 2);
    await vi.advanceTimersByTimeAsync(2 * HEARTBEAT_MS);
    expect(sink.chunks.length).toBe(written);
    expect(streams.count()).toBe(0);
  });

  it('a failed subscription fails the waiting streams, and the next stream tries the bus again', async () => {
    const failing = countingBus(true);
    const streams = new EventStreams();
    const first = streams.open('s', new FakeSink(), 1, {
      bus: failing.bus,
      heartbeatMs: HEARTBEAT_MS,
    });
    await expect(streams.ready(first)).rejects.toThrow('no bus');
    streams.close(first);
    const second = streams.open('s', new FakeSink(), 1, {
      bus: failing.bus,
      heartbeatMs: HEARTBEAT_MS,
    });
    await expect(streams.ready(second)).rejects.toThrow('no bus');
    expect(failing.calls.subscribe).toBe(2);
  });

  it('closeAll ends every stream (shutdown)', async () => {
    const { bus, calls } = countingBus();
    const streams = new EventStreams();
    const sinks = Array.from({ length: 5 }, () => new FakeSink());
    sinks.forEach((sink, i) =>
      streams.open(`s${i % 2}`, sink, 1, { bus, heartbeatMs: HEARTBEAT_MS }),
    );
    streams.closeAll();
    await vi.advanceTimersByTimeAsync(0);
    expect(sinks.every((s) => s.ended)).toBe(true);
    expect(streams.count()).toBe(0);
    expect(calls.unsubscribe).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
  });
});
