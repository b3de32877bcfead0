import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * Measures the built web app (raw and gzip bytes per file under dist/), prints a table and writes
 * bench/results/web-size.json. Fails when the JavaScript and CSS the first screen loads, or the
 * whole build, grow past the budgets, so a heavy dependency shows up in review rather than on a salon's slow connection.
 */
const BUDGET_FIRST_SCREEN_GZIP = 250 * 1024; // JS + CSS the first screen needs
const BUDGET_TOTAL_GZIP = 1.5 * 1024 * 1024; // the whole build (seed plan's final target)

const webRoot = path.resolve(import.meta.dirname, '..');
const dist = path.join(webRoot, 'dist');
const repoRoot = path.resolve(webRoot, '../..');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

const files = walk(dist)
  .filter((f) => /\.(js|css|html|webmanifest)$/.test(f))
  .map((f) => {
    const bytes = readFileSync(f);
    return { file: path.relative(dist, f), raw: bytes.length, gzip: gzipSync(bytes).length };
  })
  .sort((a, b) => b.gzip - a.gzip);

const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const entryScripts = [
  ...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="\/([^"]+\.(?:js|css))"/g),
].map((m) => m[1]);
const entryGzip = files
  .filter((f) => entryScripts.includes(f.file))
  .reduce((s, f) => s + f.gzip, 0);
const totalGzip = files.reduce((s, f) => s + f.gzip, 0);

for (const f of files)
  console.log(`${String(f.gzip).padStart(8)} gz ${String(f.raw).padStart(9)} raw  ${f.file}`);
console.log(
  `first screen JS+CSS: ${(entryGzip / 1024).toFixed(1)} KiB gzip; all assets: ${(totalGzip / 1024).toFixed(1)} KiB gzip`,
);

mkdirSync(path.join(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(
  path.join(repoRoot, 'bench/results/web-size.json'),
  `${JSON.stringify({ measuredAt: new Date().toISOString(), entryScripts, entryGzip, totalGzip, budgetFirstScreenGzip: BUDGET_FIRST_SCREEN_GZIP, budgetTotalGzip: BUDGET_TOTAL_GZIP, files }, null, 2)}\n`,
);
let over = false;
if (entryGzip > BUDGET_FIRST_SCREEN_GZIP) {
  console.error(
    `first screen ${entryGzip} B gzip is over the budget of ${BUDGET_FIRST_SCREEN_GZIP} B`,
  );
  over = true;
}
if (totalGzip > BUDGET_TOTAL_GZIP) {
  console.error(`whole build ${totalGzip} B gzip is over the budget of ${BUDGET_TOTAL_GZIP} B`);
  over = true;
}
if (over) process.exit(1);
