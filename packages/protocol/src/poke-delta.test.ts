import { describe, expect, it } from 'vitest';
import { pokeDeltaOf, versionEventSchema } from './sync';

const change = (version: number) => ({
  entity: 'client',
  id: '00000000-0000-4000-8000-000000000001',
  version,
  deleted: false,
  data: { firstName: 'A' },
});

describe('version events', () => {
  it('a bare version is a poke without delta; a device of the previous release reads the version of one with', () => {
    expect(pokeDeltaOf(versionEventSchema.parse({ version: 7 }))).toBeNull();
    const withDelta = { version: 7, from: 6, epoch: 'e', changes: [change(6), change(7)] };
    expect(versionEventSchema.parse(withDelta).version).toBe(7);
    expect(pokeDeltaOf(versionEventSchema.parse(withDelta))).toEqual({
      from: 6,
      to: 7,
      epoch: 'e',
      changes: [change(6), change(7)],
    });
  });

  it('fields that do not make a delta are read as a bare poke', () => {
    const parse = (e: object) => pokeDeltaOf(versionEventSchema.parse(e));
    expect(parse({ version: 7, from: 6, changes: [] })).toBeNull(); // no epoch
    expect(parse({ version: 7, epoch: 'e', changes: [] })).toBeNull(); // no from
    expect(parse({ version: 7, from: 8, epoch: 'e', changes: [] })).toBeNull(); // from > version
    expect(parse({ version: 7, from: 6, epoch: 'e', changes: [change(5)] })).toBeNull();
    expect(parse({ version: 7, from: 6, epoch: 'e', changes: [change(8)] })).toBeNull();
    expect(
      versionEventSchema.safeParse({ version: 7, from: 0, epoch: 'e', changes: [] }).success,
    ).toBe(false);
  });
});
