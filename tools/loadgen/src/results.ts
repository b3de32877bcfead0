import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
export const RESULTS_DIR = path.join(REPO_ROOT, 'bench/results');

export interface MachineInfo {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
}

/** Writes `bench/results/<name>-<timestamp>.json` and `bench/results/<name>.latest.json`. */
export function writeResult(
  name: string,
  data: unknown,
  dir = RESULTS_DIR,
): { file: string; latest: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = `${JSON.stringify(data, null, 2)}\n`;
  const file = path.join(dir, `${name}-${stamp}.json`);
  const latest = path.join(dir, `${name}.latest.json`);
  writeFileSync(file, json);
  writeFileSync(latest, json);
  return { file, latest };
}
