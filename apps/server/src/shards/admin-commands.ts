import { parseArgs } from 'node:util';
import type { Config } from '../config';
import { createShardDirectory } from './directory';
import { cancelMove, moveOrganization } from './move';
import { shardEntry, shardEntryErrors, shardListLine } from './shard-entry';

export const SHARD_USAGE = `
  npm run admin -- shard-add --id eu-1 --region eu --url postgres://mango_app:…@eu-1/mango --owner-url postgres://…@eu-1/mango [--capacity 10000] [--closed]
      (a failover pair: --url 'postgres://mango_app:…@eu-1a:5432,eu-1b:5432/mango?target_session_attrs=read-write', the same for --owner-url)
  npm run admin -- shard-list
  npm run admin -- shard-move --org <organizationId> --to <shardId>   (starts a move, or resumes the organization's unfinished one)
  npm run admin -- shard-move --org <organizationId> --cancel   (undoes a move that has not switched yet)
  (shard commands use SHARD_DIRECTORY_URL and SHARD_ROUTE_CACHE_MS)`;

/** The admin CLI's shard commands; returns the exit code. */
export async function runShardCommand(
  command: string,
  args: string[],
  config: Config,
  print: (line: string) => void = console.log,
): Promise<number> {
  if (!config.shardDirectoryUrl) throw new Error('SHARD_DIRECTORY_URL is not set.');
  const { values } = parseArgs({
    args,
    options: {
      id: { type: 'string' },
      region: { type: 'string' },
      url: { type: 'string' },
      'owner-url': { type: 'string' },
      capacity: { type: 'string' },
      closed: { type: 'boolean' },
      org: { type: 'string' },
      to: { type: 'string' },
      cancel: { type: 'boolean' },
    },
  });
  const need = (name: keyof typeof values): string => {
    const v = values[name];
    if (typeof v !== 'string' || v === '') throw shardEntryErrors.badInput(`--${name} is required`);
    return v;
  };
  // Checked before the directory is touched: a refused entry changes nothing.
  const entry =
    command === 'shard-add'
      ? shardEntry({
          id: values.id,
          region: values.region,
          url: values.url,
          ownerUrl: values['owner-url'],
          capacity: values.capacity,
          closed: values.closed,
        })
      : undefined;
  const directory = createShardDirectory(config.shardDirectoryUrl);
  try {
    await directory.ensureSchema();
    if (entry) {
      await directory.upsertShard(entry);
      print(`Shard ${entry.id} saved.`);
      return 0;
    }
    if (command === 'shard-list') {
      const load = await directory.load();
      for (const s of await directory.shards()) print(shardListLine(s, load[s.id] ?? 0));
      return 0;
    }
    if (command === 'shard-move' && values.cancel) {
      await cancelMove({ directory, organizationId: need('org'), log: print });
      return 0;
    }
    if (command === 'shard-move') {
      const report = await moveOrganization({
        directory,
        organizationId: need('org'),
        targetShardId: need('to'),
        routeCacheMs: config.shardRouteCacheMs,
        log: print,
      });
      const total = Object.values(report.rows).reduce((a, b) => a + b, 0);
      print(
        `Moved ${total} rows from ${report.from} to ${report.to}; writes paused ${report.pausedMs} ms.`,
      );
      return 0;
    }
    throw new Error(`Unknown command ${command}`);
  } finally {
    await directory.close();
  }
}
