import { describe, expect, it } from 'vitest';
import {
  createLeaseLeaderLock,
  createWebLocksLeaderLock,
  type LockManagerLike,
} from './leader-lock';
import { openLocalDb } from './local-db';
import { freshIdb, ManualTime, waitFor } from './test-support/fake-server';

/** A minimal exclusive lock manager with the Web Locks semantics the lock relies on. */
function fakeLocks(): LockManagerLike {
  const queues = new Map<string, (() => void)[]>();
  const held = new Set<string>();
  return {
    async request(name, options, callback) {
      if (held.has(name)) {
        await new Promise<void>((resolve, reject) => {
          const q = queues.get(name) ?? [];
          q.push(resolve);
          queues.set(name, q);
          options.signal?.addEventListener('abort', () => {
            queues.set(
              name,
              (queues.get(name) ?? []).filter((r) => r !== resolve),
            );
            reject(new Error('aborted'));
          });
        });
      }
      held.add(name);
      try {
        return await callback({ name });
      } finally {
        held.delete(name);
        queues.get(name)?.shift()?.();
      }
    },
  };
}

describe('leader lock', () => {
  it('Web Locks: one leader; the next waiter takes over when it stops', async () => {
    const locks = fakeLocks();
    const a = createWebLocksLeaderLock(locks, 'mango-pos-sync-s1');
    const b = createWebLocksLeaderLock(locks, 'mango-pos-sync-s1');
    const events: string[] = [];
    a.start((l) => events.push(`a:${l}`));
    b.start((l) => events.push(`b:${l}`));
    await waitFor(() => a.isLeader());
    expect(b.isLeader()).toBe(false);
    await a.stop();
    await waitFor(() => b.isLeader());
    expect(events).toEqual(['a:true', 'a:false', 'b:true']);
    await b.stop();
  });

  it('lease: taken by one holder, renewed, taken over only after expiry', async () => {
    const time = new ManualTime();
    const db = openLocalDb('s2', freshIdb());
    await db.open();
    const mk = (holderId: string) =>
      createLeaseLeaderLock({
        db,
        holderId,
        clock: time.clock,
        timers: time.timers,
        ttlMs: 10_000,
        renewMs: 3_000,
      });
    const a = mk('a');
    const b = mk('b');
    a.start(() => {});
    await waitFor(() => a.isLeader());
    b.start(() => {});
    await waitFor(async () => (await db.lease.get('leader'))?.holder === 'a');
    for (let i = 0; i < 5; i++) {
      time.advance(3_000); // both tick: a renews, b fails
      await new Promise((r) => setTimeout(r, 10));
      expect(a.isLeader()).toBe(true);
      expect(b.isLeader()).toBe(false);
    }
    // a stops (releases the lease): b takes it at its next attempt
    await a.stop();
    time.advance(3_000);
    await waitFor(() => b.isLeader());
    await b.stop();
    // a crashed holder never renews: its lease is taken only after it expires
    await db.lease.put({ key: 'leader', holder: 'crashed', expiresAt: time.nowMs + 10_000 });
    const c = mk('c');
    c.start(() => {});
    for (let i = 0; i < 3; i++) {
      time.advance(3_000);
      await new Promise((r) => setTimeout(r, 10));
      expect(c.isLeader()).toBe(false);
    }
    time.advance(3_000); // 12 s > ttl
    await waitFor(() => c.isLeader());
    await c.stop();
    db.close();
  });
});
