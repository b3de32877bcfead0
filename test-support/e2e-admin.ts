import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const repoRoot = path.resolve(import.meta.dirname, '..');
const run = promisify(execFile);

/**
 * Runs the admin CLI (apps/server/src/cli/admin.ts) as its own process against a data dir. With
 * embedded PGlite the server must not hold that data dir open at the same time.
 */
export async function runAdmin(args: string[], env: Record<string, string>): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'apps/server/src/cli/admin.ts', ...args],
    {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      maxBuffer: 1024 * 1024,
    },
  );
  return stdout;
}
