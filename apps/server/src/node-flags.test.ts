import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVER_NODE_FLAGS } from './node-flags';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const startScript = (file: string): string => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, file), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return pkg.scripts.start ?? '';
};

describe('the server’s Node flags', () => {
  it.each(['package.json', 'apps/server/package.json'])(
    '%s starts the server with every one of them',
    (file) => {
      const script = startScript(file);
      const node = /\bnode ((?:--[\w-]+(?:=\S+)? )*)--import tsx \S*main\.ts/.exec(script);
      expect(node, `no "node … main.ts" in ${file}: ${script}`).not.toBeNull();
      const flags = node![1]!.trim().split(/\s+/).filter(Boolean);
      expect(flags).toEqual([...SERVER_NODE_FLAGS]);
    },
  );

  it('are flags Node accepts', async () => {
    const { spawnSync } = await import('node:child_process');
    const run = spawnSync(process.execPath, [...SERVER_NODE_FLAGS, '-e', '0'], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
