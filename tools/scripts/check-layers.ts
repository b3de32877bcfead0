import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The dependency order of the monorepo (docs/ARCHITECTURE.md): a package may import only packages
 * on a lower layer. `packages/domain` is pure: besides its own files it may import only the
 * modules listed in DOMAIN_ALLOWED (no I/O of any kind).
 */
export const LAYERS: Record<string, number> = {
  '@mango/domain': 0,
  '@mango/protocol': 1,
  '@mango/sync-client': 2,
  '@mango/server': 3,
  '@mango/web': 3,
  '@mango/tools': 4,
};

const PACKAGE_DIRS: Record<string, string> = {
  'packages/domain': '@mango/domain',
  'packages/protocol': '@mango/protocol',
  'packages/sync-client': '@mango/sync-client',
  'apps/server': '@mango/server',
  'apps/web': '@mango/web',
  tools: '@mango/tools',
};

export const DOMAIN_ALLOWED = new Set(['zod']);
/** Test files sit next to the code they test; they may also use the test tooling. */
export const DOMAIN_TEST_ALLOWED = new Set(['zod', 'vitest', 'fast-check']);

const isTestFile = (file: string): boolean => /\.test\.tsx?$/.test(file);

export interface SourceFile {
  path: string; // relative to the repo root, with forward slashes
  content: string;
}

export interface Violation {
  file: string;
  specifier: string;
  reason: string;
}

const IMPORT_RE =
  /(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

export function importsOf(content: string): string[] {
  const out: string[] = [];
  for (const m of content.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec) out.push(spec);
  }
  return out;
}

function packageOfFile(file: string): string | undefined {
  for (const [dir, name] of Object.entries(PACKAGE_DIRS)) {
    if (file === dir || file.startsWith(`${dir}/`)) return name;
  }
  return undefined;
}

function packageOfSpecifier(spec: string, fromFile: string): string | undefined {
  if (spec.startsWith('.')) {
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), spec));
    return packageOfFile(resolved);
  }
  const m = /^(@mango\/[^/]+)/.exec(spec);
  return m?.[1];
}

export function checkLayers(files: SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    const owner = packageOfFile(file.path);
    if (!owner) continue;
    const ownerLayer = LAYERS[owner] ?? 0;
    for (const spec of importsOf(file.content)) {
      const target = packageOfSpecifier(spec, file.path);
      if (owner === '@mango/domain' && !spec.startsWith('.') && target !== owner) {
        const bare = spec.startsWith('@')
          ? spec.split('/').slice(0, 2).join('/')
          : spec.split('/')[0]!;
        const allowed = isTestFile(file.path) ? DOMAIN_TEST_ALLOWED : DOMAIN_ALLOWED;
        if (!allowed.has(bare)) {
          violations.push({
            file: file.path,
            specifier: spec,
            reason: 'packages/domain must stay pure: no I/O or outside modules',
          });
          continue;
        }
      }
      if (target && target !== owner) {
        const targetLayer = LAYERS[target];
        if (targetLayer === undefined || targetLayer >= ownerLayer) {
          violations.push({
            file: file.path,
            specifier: spec,
            reason: `${owner} (layer ${ownerLayer}) may not import ${target} (layer ${targetLayer ?? '?'})`,
          });
        }
      }
    }
  }
  return violations;
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (/\.(ts|tsx|js|mjs)$/.test(name)) out.push(full);
  }
}

export function readRepoSources(root: string): SourceFile[] {
  const files: string[] = [];
  for (const dir of Object.keys(PACKAGE_DIRS)) {
    try {
      walk(path.join(root, dir), files);
    } catch {
      // a package that does not exist yet has nothing to check
    }
  }
  return files.map((f) => ({
    path: path.relative(root, f).split(path.sep).join('/'),
    content: readFileSync(f, 'utf8'),
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = path.resolve(import.meta.dirname, '../..');
  const violations = checkLayers(readRepoSources(root));
  for (const v of violations) console.error(`${v.file}: imports '${v.specifier}': ${v.reason}`);
  if (violations.length > 0) {
    console.error(`layer check: ${violations.length} violation(s)`);
    process.exit(1);
  }
  console.log('layer check: ok');
}
