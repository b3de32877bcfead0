import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { withConfigTable } from './readme-config';

it('the README configuration table matches the config module (run tools/scripts/readme-config.ts)', () => {
  const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
  expect(withConfigTable(readme)).toBe(readme);
});
