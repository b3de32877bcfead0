import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLayers, importsOf, readRepoSources } from './check-layers';

describe('layer check', () => {
  it('fails when packages/domain imports pg', () => {
    const violations = checkLayers([
      {
        path: 'packages/domain/src/bad.ts',
        content: "import { Pool } from 'pg';\nexport const p = Pool;",
      },
    ]);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.specifier).toBe('pg');
  });

  it('fails on node builtins and dynamic imports in the domain', () => {
    const violations = checkLayers([
      {
        path: 'packages/domain/src/a.ts',
        content: "import fs from 'node:fs';\nconst x = await import('ioredis');",
      },
    ]);
    expect(violations.map((v) => v.specifier)).toEqual(['node:fs', 'ioredis']);
  });

  it('allows zod and relative imports in the domain', () => {
    expect(
      checkLayers([
        {
          path: 'packages/domain/src/a.ts',
          content: "import { z } from 'zod';\nimport type { X } from './b';",
        },
      ]),
    ).toEqual([]);
  });

  it('lets domain tests use vitest and fast-check, but not domain code', () => {
    const content = "import { it } from 'vitest';\nimport fc from 'fast-check';";
    expect(checkLayers([{ path: 'packages/domain/src/a.test.ts', content }])).toEqual([]);
    const violations = checkLayers([{ path: 'packages/domain/src/a.ts', content }]);
    expect(violations.map((v) => v.specifier)).toEqual(['vitest', 'fast-check']);
  });

  it('fails when a lower package imports a higher one, also through a relative path', () => {
    const violations = checkLayers([
      { path: 'packages/protocol/src/a.ts', content: "import { buildApp } from '@mango/server';" },
      { path: 'packages/domain/src/a.ts', content: "import { x } from '../../protocol/src/sync';" },
    ]);
    expect(violations).toHaveLength(2);
  });

  it('allows apps to import packages', () => {
    expect(
      checkLayers([
        {
          path: 'apps/server/src/a.ts',
          content: "import { x } from '@mango/domain';\nimport { y } from '@mango/protocol';",
        },
      ]),
    ).toEqual([]);
  });

  it('reads every import form', () => {
    expect(
      importsOf(
        "import a from 'a';\nexport * from './b';\nimport type { C } from 'c';\nconst d = require('d');",
      ),
    ).toEqual(['a', './b', 'c', 'd']);
  });

  it('passes on the repository as it is', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    expect(checkLayers(readRepoSources(root))).toEqual([]);
  });
});
