import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { withPermissionTable } from './permissions-doc';

it('docs/SECURITY.md carries the permission table of the domain (run tools/scripts/permissions-doc.ts)', () => {
  const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/SECURITY.md'), 'utf8');
  expect(withPermissionTable(doc)).toBe(doc);
});
