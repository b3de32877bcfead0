import { applyMutation } from '@mango/domain';
import { describe, expect, it } from 'vitest';
import { CURRENT_SCHEMA_VERSION } from './local-db';
import { LocalStore } from './local-store';
import { freshIdb, ownerActor, uid } from './test-support/fake-server';
import { ana, manicure, STORE_ID, storeRow } from './test-support/fixtures';

const T = '2026-11-24T15:00:00.000Z';
const actor = ownerActor(uid(500));
const kim = { id: uid(41), firstName: 'Kim', lastName: 'Lee' };

/**
 * The waitlist needs no schema version: the view indexes every entity's INDEXED_FIELDS in one
 * multiEntry index, computed as rows are written, and no device holds a waitlist row from before
 * the entity existed. A device synced before it (same schema) lists new entries by their index.
 */
describe('waitlist entries on a device synced before the waitlist existed', () => {
  it('keeps the schema version, and lists pulled and local entries by status and client', async () => {
    const idb = freshIdb();
    const before = new LocalStore(STORE_ID, applyMutation, idb);
    await before.open();
    const rows: [string, { id: string }][] = [
      ['store', storeRow],
      ['staff', ana],
      ['service', manicure],
      ['client', kim],
    ];
    await before.beginHydration();
    await before.applyPullPage(
      {
        cursor: 4,
        hasMore: false,
        lastMutationId: 0,
        rejections: [],
        changes: rows.map(([entity, data], i) => ({
          entity,
          id: data.id,
          version: i + 1,
          deleted: false,
          data: data as unknown as Record<string, unknown>,
        })),
      },
      T,
    );
    before.db.close();

    const store = new LocalStore(STORE_ID, applyMutation, idb);
    await store.open();
    expect(store.db.verno).toBe(CURRENT_SCHEMA_VERSION);
    const pulled = {
      id: uid(61),
      clientId: kim.id,
      serviceIds: [manicure.id],
      staffId: null,
      fromDate: '2026-11-24',
      toDate: '2026-11-26',
      status: 'waiting',
      createdAt: T,
    };
    await store.applyPullPage(
      {
        cursor: 5,
        hasMore: false,
        lastMutationId: 0,
        rejections: [],
        changes: [
          { entity: 'waitlistEntry', id: pulled.id, version: 5, deleted: false, data: pulled },
        ],
      },
      T,
    );
    await store.enqueue({
      name: 'waitlist.add',
      args: {
        id: uid(62),
        clientId: kim.id,
        serviceIds: [manicure.id],
        fromDate: '2026-11-25',
        toDate: '2026-11-25',
      },
      actor,
      clientTime: T,
    });
    const waiting = await store.list('waitlistEntry', { where: { status: 'waiting' } });
    expect(waiting.map((e) => e.id).sort()).toEqual([uid(61), uid(62)]);
    expect(await store.count('waitlistEntry', { where: { clientId: kim.id } })).toBe(2);
    expect(await store.count('waitlistEntry', { where: { status: 'booked' } })).toBe(0);
  });
});
