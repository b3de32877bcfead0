import { describe, expect, it } from 'vitest';
import { type CpuProfile, fileOf, summarize } from './cpu-profile';

const frame = (functionName: string, url = '', columnNumber = 0) => ({
  functionName,
  url,
  lineNumber: 0,
  columnNumber,
});

// root → main → { copy (self), parse (self) }, and idle; samples every 100 µs from t = 1000.
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 5] },
    { id: 2, callFrame: frame('main', 'file:///repo/apps/server/src/a.ts', 9), children: [3, 4] },
    { id: 3, callFrame: frame('copy', 'file:///repo/apps/server/src/a.ts', 20) },
    { id: 4, callFrame: frame('parse', 'file:///repo/node_modules/@scope/pkg/dist/x.js', 4) },
    { id: 5, callFrame: frame('(idle)') },
  ],
  startTime: 1000,
  endTime: 1700,
  samples: [3, 3, 4, 5, 3, 2, 5],
  timeDeltas: [0, 100, 100, 100, 100, 100, 100],
};

describe('cpu-profile summarize', () => {
  it('adds up self time by function and file, total time up the stack, idle apart', () => {
    const s = summarize(profile, { repoRoot: '/repo' });
    // Each sample lasts until the next one: the last sample has no duration.
    expect(s.busyUs).toBe(500);
    expect(s.idleUs).toBe(100);
    const fn = Object.fromEntries(s.byFunction.map((e) => [e.key, e]));
    expect(fn['copy apps/server/src/a.ts:1:21']).toMatchObject({ selfUs: 300, totalUs: 300 });
    expect(fn['parse @scope/pkg:1:5']).toMatchObject({ selfUs: 100, totalUs: 100 });
    expect(fn['main apps/server/src/a.ts:1:10']).toMatchObject({ selfUs: 100, totalUs: 500 });
    expect(s.byFile.map((e) => [e.key, e.selfUs])).toEqual([
      ['apps/server/src/a.ts', 400],
      ['@scope/pkg', 100],
    ]);
  });

  it('keeps only the samples inside the windows', () => {
    const s = summarize(profile, { windows: [[1100, 1250]], repoRoot: '/repo' });
    // Samples at t = 1100 (copy) and 1200 (parse).
    expect(s.busyUs).toBe(200);
    expect(s.byFunction.map((e) => e.key).sort()).toEqual([
      'copy apps/server/src/a.ts:1:21',
      'main apps/server/src/a.ts:1:10',
      'parse @scope/pkg:1:5',
    ]);
  });

  it('names where code lives: a package, a repository path, a node internal', () => {
    expect(fileOf('file:///r/node_modules/pg/lib/client.js', '/r')).toBe('pg');
    expect(fileOf('file:///r/packages/domain/src/time.ts', '/r')).toBe(
      'packages/domain/src/time.ts',
    );
    expect(fileOf('node:events', '/r')).toBe('node:events');
    expect(fileOf('', '/r')).toBe('(native)');
  });
});
