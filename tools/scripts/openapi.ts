import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { buildOpenApiDocument } from '../../apps/server/src/observability/openapi';

/**
 * Writes docs/openapi.json from the server's operation list and zod schemas
 * (`npm run docs:openapi`), formatted as the repository's prettier would. With --check it only
 * compares, and exits 1 when the committed file is stale (CI).
 */
const file = path.resolve(import.meta.dirname, '../../docs/openapi.json');
const generated = await format(JSON.stringify(buildOpenApiDocument()), {
  ...(await resolveConfig(file)),
  filepath: file,
});
if (process.argv.includes('--check')) {
  const committed = readFileSync(file, 'utf8');
  if (committed !== generated) {
    console.error('docs/openapi.json is stale: run `npm run docs:openapi` and commit it.');
    process.exit(1);
  }
  console.log('docs/openapi.json is current.');
} else {
  writeFileSync(file, generated);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
