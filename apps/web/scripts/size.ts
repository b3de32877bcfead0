import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * Measures the built web app (raw and gzip bytes per file under dist/, or the directory given as its argument), prints a
 * table and writes bench/results/web-size.json. Fails when the JavaScript and CSS the first
 * screen loads, the public booking page's first screen, or the whole build, grow past the
 * budgets, so a heavy dependency shows up in review rather than on a salon's slow connection.
 */
const BUDGET_FIRST_SCREEN_GZIP = 250 * 1024; // JS + CSS the first screen needs
/** HTML + JS + CSS of /book/… (book.html): a client's phone on a mobile network (issue 21). */
const BUDGET_BOOKING_GZIP = 100 * 1024;
const BUDGET_TOTAL_GZIP = 1.5 * 1024 * 1024; // the whole build (seed plan's final target)

const webRoot = path.resolve(import.meta.dirname, '..');
const dist = path.resolve(process.argv[2] ?? path.join(webRoot, 'dist'));
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

/** The scripts and stylesheets an HTML page loads (its entry, modulepreloads, CSS). */
function entryFiles(page: string): string[] {
  const html = readFileSync(path.join(dist, page), 'utf8');
  return [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="\/([^"]+\.(?:js|css))"/g)].flatMap(
    (m) => (m[1] ? [m[1]] : []),
  );
}
const gzipOf = (names: string[]) =>
  files.filter((f) => names.includes(f.file)).reduce((s, f) => s + f.gzip, 0);

const entryScripts = entryFiles('index.html');
const entryGzip = gzipOf(entryScripts);
// What /book/… fetches before its first screen paints: the page itself and what it loads.
const bookingFiles = ['book.html', ...entryFiles('book.html')];
const bookingGzip = gzipOf(bookingFiles);
const totalGzip = files.reduce((s, f) => s + f.gzip, 0);

for (const f of files)
  console.log(`${String(f.gzip).padStart(8)} gz ${String(f.raw).padStart(9)} raw  ${f.file}`);
console.log(
  `first screen JS+CSS: ${(entryGzip / 1024).toFixed(1)} KiB gzip; booking page HTML+JS+CSS: ${(bookingGzip / 1024).toFixed(1)} KiB gzip (${bookingFiles.join(', ')}); all assets: ${(totalGzip / 1024).toFixed(1)} KiB gzip`,
);

mkdirSync(path.join(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(
  path.join(repoRoot, 'bench/results/web-size.json'),
  `${JSON.stringify({ measuredAt: new Date().toISOString(), entryScripts, entryGzip, bookingFiles, bookingGzip, totalGzip, budgetFirstScreenGzip: BUDGET_FIRST_SCREEN_GZIP, budgetBookingGzip: BUDGET_BOOKING_GZIP, budgetTotalGzip: BUDGET_TOTAL_GZIP, files }, null, 2)}\n`,
);
let over = false;
if (entryGzip > BUDGET_FIRST_SCREEN_GZIP) {
  console.error(
    `first screen ${entryGzip} B gzip is over the budget of ${BUDGET_FIRST_SCREEN_GZIP} B`,
  );
  over = true;
}
if (bookingGzip > BUDGET_BOOKING_GZIP) {
  console.error(
    `booking page ${bookingGzip} B gzip is over the budget of ${BUDGET_BOOKING_GZIP} B`,
  );
  over = true;
}
if (totalGzip > BUDGET_TOTAL_GZIP) {
  console.error(`whole build ${totalGzip} B gzip is over the budget of ${BUDGET_TOTAL_GZIP} B`);
  over = true;
}
if (over) process.exit(1);
