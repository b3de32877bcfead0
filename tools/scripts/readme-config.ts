import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configTableMarkdown } from '../../apps/server/src/config';

const START = '<!-- config-table:start -->';
const END = '<!-- config-table:end -->';

/** The README with its configuration table regenerated from the config module. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error('README.md lacks the config-table markers');
  return `${readme.slice(0, start + START.length)}\n${configTableMarkdown()}\n${readme.slice(end)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = path.resolve(import.meta.dirname, '../../README.md');
  writeFileSync(file, withConfigTable(readFileSync(file, 'utf8')));
  console.log('README.md configuration table updated');
}
