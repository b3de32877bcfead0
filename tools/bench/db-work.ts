/**
 * Database work per unit (a pushed mutation, a pgbench transaction): the pure arithmetic over two
 * readings of PostgreSQL's cumulative counters. The readings themselves are taken in `pg.ts`.
 */

/** pg_stat_statements of one database and role, summed. */
export interface StatementCounters {
  /** Calls of top-level statements, BEGIN and COMMIT included (they are statements to PostgreSQL). */
  statements: number;
  /** Calls of statements run inside functions and triggers (`pg_stat_statements.track = all`). */
  nestedStatements: number;
  /**
   * Buffer and WAL counters of the top-level statements only: a top-level statement's counters
   * already include the work of the statements nested in it, so adding both would count it twice.
   */
  sharedBlksHit: number;
  sharedBlksRead: number;
  sharedBlksDirtied: number;
  sharedBlksWritten: number;
  walRecords: number;
  walFpi: number;
  walBytes: number;
  /**
   * Plannings of top-level statements and their time, and the time of their execution (ms;
   * pg_stat_statements' `plans`, `total_plan_time`, `total_exec_time`). Plannings are counted
   * only with `pg_stat_statements.track_planning = on` (else 0). A top-level statement's
   * execution time includes the planning and execution of the statements nested in it.
   */
  plans: number;
  planTimeMs: number;
  execTimeMs: number;
}

/** pg_stat_user_tables of one database, summed over its tables (every session). */
export interface TableCounters {
  seqScans: number;
  indexScans: number;
  rowsInserted: number;
  rowsUpdated: number;
  /** Updates that were HOT (no new index entry: n_tup_hot_upd). */
  rowsHotUpdated: number;
}

/** pg_stat_wal: the whole cluster, every database and background process. */
export interface ClusterWalCounters {
  walRecords: number;
  walFpi: number;
  walBytes: number;
}

export interface DbWorkReading {
  /** Null when pg_stat_statements is not preloaded or could not be read. */
  statements: StatementCounters | null;
  /** pg_stat_statements_info.dealloc: entries evicted so far (an eviction loses their counts). */
  dealloc: number | null;
  tables: TableCounters;
  clusterWal: ClusterWalCounters | null;
  /** pg_current_wal_lsn() at the reading: the start or end of a window for `walGroups`. */
  lsn?: string;
}

/** The work of one unit. Null where a counter was not available (or not trustworthy). */
export interface WorkPerUnit {
  statements: number | null;
  nestedStatements: number | null;
  /** Shared buffers touched: hit + read. */
  buffers: number | null;
  buffersRead: number | null;
  buffersDirtied: number | null;
  buffersWritten: number | null;
  walRecords: number | null;
  walFpi: number | null;
  walBytes: number | null;
  /** Plannings of top-level statements (0 when track_planning is off or all were prepared). */
  plans: number | null;
  /** µs of planning and of execution of top-level statements (pg_stat_statements). */
  planUs: number | null;
  execUs: number | null;
  /** Index + sequential scans of user tables. */
  relationScans: number;
  indexScans: number;
  seqScans: number;
  rowsInserted: number;
  rowsUpdated: number;
  rowsHotUpdated: number;
  clusterWalRecords: number | null;
  clusterWalFpi: number | null;
  clusterWalBytes: number | null;
}

export interface DbWork {
  /** The divisor: applied mutations, or pgbench transactions. */
  units: number;
  perUnit: WorkPerUnit | null;
  /** Why some figures are null; empty when all were measured. */
  warnings: string[];
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** after − before, counter by counter. */
function delta<T extends { [K in keyof T]: number }>(before: T, after: T): T {
  const out = {} as { [K in keyof T]: number };
  for (const k of Object.keys(after) as (keyof T)[]) out[k] = after[k] - before[k];
  return out as T;
}

/** Per-unit difference of two readings: counts to 0.1, bytes to 1. */
export function workPerUnit(
  before: DbWorkReading,
  after: DbWorkReading,
  units: number,
  /** Why pg_stat_statements was not read, when it was not (the warning to record). */
  statementsUnavailable: string | null = null,
): DbWork {
  const warnings: string[] = [];
  if (!(units > 0)) return { units, perUnit: null, warnings: ['nothing was measured (0 units)'] };
  let s: StatementCounters | null = null;
  if (before.statements && after.statements) {
    if (before.dealloc !== null && after.dealloc !== null && after.dealloc !== before.dealloc) {
      warnings.push(
        `pg_stat_statements evicted ${after.dealloc - before.dealloc} entries during the run (raise pg_stat_statements.max): statement, buffer and WAL counts not recorded`,
      );
    } else {
      s = delta(before.statements, after.statements);
    }
  } else {
    warnings.push(
      statementsUnavailable ??
        'pg_stat_statements not available: statement, buffer and WAL counts not recorded',
    );
  }
  const per = (n: number) => r1(n / units);
  const perOrNull = (n: number | undefined) => (n === undefined ? null : per(n));
  const bytes = (n: number | undefined) => (n === undefined ? null : Math.round(n / units));
  const micros = (ms: number | undefined) =>
    ms === undefined ? null : Math.round((ms * 1000) / units);
  const tables = delta(before.tables, after.tables);
  const t = (k: keyof TableCounters) => tables[k];
  const w =
    before.clusterWal && after.clusterWal ? delta(before.clusterWal, after.clusterWal) : null;
  return {
    units,
    warnings,
    perUnit: {
      statements: perOrNull(s?.statements),
      nestedStatements: perOrNull(s?.nestedStatements),
      buffers: perOrNull(s ? s.sharedBlksHit + s.sharedBlksRead : undefined),
      buffersRead: perOrNull(s?.sharedBlksRead),
      buffersDirtied: perOrNull(s?.sharedBlksDirtied),
      buffersWritten: perOrNull(s?.sharedBlksWritten),
      walRecords: perOrNull(s?.walRecords),
      walFpi: perOrNull(s?.walFpi),
      walBytes: bytes(s?.walBytes),
      plans: perOrNull(s?.plans),
      planUs: micros(s?.planTimeMs),
      execUs: micros(s?.execTimeMs),
      relationScans: per(t('indexScans') + t('seqScans')),
      indexScans: per(t('indexScans')),
      seqScans: per(t('seqScans')),
      rowsInserted: per(t('rowsInserted')),
      rowsUpdated: per(t('rowsUpdated')),
      rowsHotUpdated: per(t('rowsHotUpdated')),
      clusterWalRecords: perOrNull(w?.walRecords),
      clusterWalFpi: perOrNull(w?.walFpi),
      clusterWalBytes: bytes(w?.walBytes),
    },
  };
}

/** The rows of the comparison, in order, with what each counts. */
export const WORK_ROWS: readonly { key: keyof WorkPerUnit; label: string }[] = [
  { key: 'statements', label: 'statements, top level (BEGIN and COMMIT included)' },
  { key: 'nestedStatements', label: 'statements inside triggers and functions' },
  { key: 'buffers', label: 'shared buffers touched (hit + read)' },
  { key: 'buffersRead', label: 'shared buffers read (not in cache)' },
  { key: 'buffersDirtied', label: 'shared buffers dirtied' },
  { key: 'buffersWritten', label: 'shared buffers written by the session' },
  { key: 'walRecords', label: 'WAL records' },
  { key: 'walFpi', label: 'WAL full-page images' },
  { key: 'walBytes', label: 'WAL bytes' },
  { key: 'plans', label: 'plannings (pg_stat_statements.track_planning)' },
  { key: 'planUs', label: 'µs planning, top-level statements' },
  { key: 'execUs', label: 'µs executing, top-level statements (nested ones included)' },
  { key: 'relationScans', label: 'relation scans (index + sequential)' },
  { key: 'indexScans', label: 'index scans' },
  { key: 'seqScans', label: 'sequential scans' },
  { key: 'rowsInserted', label: 'rows inserted' },
  { key: 'rowsUpdated', label: 'rows updated' },
  { key: 'rowsHotUpdated', label: 'rows updated HOT (no index entry)' },
  { key: 'clusterWalRecords', label: 'WAL records, cluster-wide (pg_stat_wal)' },
  { key: 'clusterWalBytes', label: 'WAL bytes, cluster-wide (pg_stat_wal)' },
];

/** a ÷ b to 0.1; null when either is missing or b is 0. */
export function ratio(a: number | null, b: number | null): number | null {
  if (a === null || b === null || b === 0) return null;
  return r1(a / b);
}

export interface WorkComparisonRow {
  counter: keyof WorkPerUnit;
  label: string;
  /** One value per compared column, in the order given. */
  values: (number | null)[];
  baseline: number | null;
  /** value ÷ baseline, per compared column. */
  ratios: (number | null)[];
}

/** Each counter of each column next to the baseline's, with the ratio. */
export function compareWork(
  columns: readonly (WorkPerUnit | null)[],
  baseline: WorkPerUnit | null,
): WorkComparisonRow[] {
  return WORK_ROWS.map(({ key, label }) => {
    const values = columns.map((c) => c?.[key] ?? null);
    const base = baseline?.[key] ?? null;
    return {
      counter: key,
      label,
      values,
      baseline: base,
      ratios: values.map((v) => ratio(v, base)),
    };
  });
}

/** A markdown table: counter | each column | baseline | each ratio (unless left out). */
export function workTable(
  titles: readonly string[],
  baselineTitle: string,
  rows: readonly WorkComparisonRow[],
  opts: { ratios?: boolean; counters?: readonly (keyof WorkPerUnit)[] } = {},
): string[] {
  const withRatios = opts.ratios ?? true;
  const shown = opts.counters ? rows.filter((r) => opts.counters?.includes(r.counter)) : rows;
  const show = (n: number | null) => (n === null ? 'n/a' : String(n));
  const ratioTitles = withRatios ? titles.map((t) => `${t} ÷ ${baselineTitle}`) : [];
  return [
    `| counter | ${[...titles, baselineTitle, ...ratioTitles].join(' | ')} |`,
    `| --- |${' ---: |'.repeat(titles.length + 1 + ratioTitles.length)}`,
    ...shown.map((r) => {
      const ratios = withRatios ? r.ratios.map((x) => (x === null ? 'n/a' : `×${x}`)) : [];
      return `| ${r.label} | ${[...r.values.map(show), show(r.baseline), ...ratios].join(' | ')} |`;
    }),
  ];
}

export interface PgbenchOutput {
  tps: number;
  latencyAvgMs: number;
  /** "number of transactions actually processed" (with -t: the first number of "n/m"). */
  transactions: number;
}

export function parsePgbenchOutput(stdout: string): PgbenchOutput {
  const tps =
    /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout) ??
    /tps = ([\d.]+)/.exec(stdout);
  const lat = /latency average = ([\d.]+) ms/.exec(stdout);
  const tx = /number of transactions actually processed: (\d+)/.exec(stdout);
  return {
    tps: Math.round(Number(tps?.[1] ?? 'NaN') * 10) / 10,
    latencyAvgMs: Number(lat?.[1] ?? 'NaN'),
    transactions: Number(tx?.[1] ?? 'NaN'),
  };
}

/** One group of WAL records of a measured window (pg_walinspect), attributed to a relation. */
export interface WalGroup {
  /** The table (a partition's parent), `index <name> (<table>)`, or what the record is about. */
  relation: string;
  /** resource manager / record type, e.g. `Heap/INSERT`, `Btree/INSERT_LEAF`, `XLOG/FPI`. */
  record: string;
  records: number;
  /** Whole records, full-page images included. */
  bytes: number;
  fpiBytes: number;
}

export interface WalShare extends WalGroup {
  /** Per unit: records to 0.01, bytes to 1. */
  recordsPerUnit: number;
  bytesPerUnit: number;
  fpiBytesPerUnit: number;
}

/** Groups per unit, largest first; groups under `minBytesPerUnit` are folded into one "other" row. */
export function walPerUnit(
  groups: readonly WalGroup[],
  units: number,
  minBytesPerUnit = 5,
): WalShare[] {
  if (!(units > 0)) return [];
  const share = (g: WalGroup): WalShare => ({
    ...g,
    recordsPerUnit: Math.round((g.records / units) * 100) / 100,
    bytesPerUnit: Math.round(g.bytes / units),
    fpiBytesPerUnit: Math.round(g.fpiBytes / units),
  });
  const sorted = [...groups].sort((a, b) => b.bytes - a.bytes);
  const big = sorted.filter((g) => g.bytes / units >= minBytesPerUnit);
  const small = sorted.filter((g) => g.bytes / units < minBytesPerUnit);
  const out = big.map(share);
  if (small.length > 0)
    out.push(
      share({
        relation: `(${small.length} smaller groups)`,
        record: '',
        records: small.reduce((n, g) => n + g.records, 0),
        bytes: small.reduce((n, g) => n + g.bytes, 0),
        fpiBytes: small.reduce((n, g) => n + g.fpiBytes, 0),
      }),
    );
  return out;
}

/** pg_stat_statements counters of one statement (by query id), cumulative. */
export interface StatementDetail {
  queryid: string;
  /** The statement's text, shortened. */
  query: string;
  /** What the statement does, from its whole text (`statementKind`). */
  kind: string;
  calls: number;
  buffers: number;
  walRecords: number;
  walBytes: number;
  /** Plannings, their ms, and the ms of execution (see `StatementCounters`). */
  plans: number;
  planMs: number;
  execMs: number;
}

export interface StatementShare {
  /** The shortened text, or the kind (`statementsPerUnit`'s `by`). */
  query: string;
  callsPerUnit: number;
  buffersPerUnit: number;
  walRecordsPerUnit: number;
  walBytesPerUnit: number;
  plansPerUnit: number;
  planUsPerUnit: number;
  execUsPerUnit: number;
}

/**
 * What a statement does, for summing statements of the same kind: a push's batched write (one
 * `with w0 as (insert into …), w1 as (update …) select …`, whose text differs with the tables it
 * names) as `batched write: ` and each target in order (`+table` an insert, `~table` an update,
 * `-table` a delete); anything else as its first 60 characters, spaces folded.
 */
export function statementKind(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (/^with w0 as \(/i.test(flat)) {
    const targets = [
      ...flat.matchAll(/\bw\d+ as \((insert into|update|delete from) ([a-z_.]+)/gi),
    ].map(
      (m) => `${{ i: '+', u: '~', d: '-' }[m[1]![0]!.toLowerCase() as 'i' | 'u' | 'd']}${m[2]}`,
    );
    return `batched write: ${targets.join(' ')}`;
  }
  return flat.slice(0, 60);
}

type Sums = Omit<StatementDetail, 'queryid' | 'query' | 'kind'>;
const SUM_KEYS = [
  'calls',
  'buffers',
  'walRecords',
  'walBytes',
  'plans',
  'planMs',
  'execMs',
] as const satisfies readonly (keyof Sums)[];

/**
 * Top-level statements' work between two readings, per unit, grouped by shortened text (`by:
 * 'query'`: statements whose shortened texts are equal count as one) or by kind, most buffers
 * (or most planning + execution time) first.
 */
export function statementsPerUnit(
  before: readonly StatementDetail[],
  after: readonly StatementDetail[],
  units: number,
  opts: { top?: number; by?: 'query' | 'kind'; order?: 'buffers' | 'time' } = {},
): StatementShare[] {
  if (!(units > 0)) return [];
  const { top = 12, by = 'query', order = 'buffers' } = opts;
  const was = new Map(before.map((s) => [s.queryid, s]));
  const groups = new Map<string, Sums>();
  for (const s of after) {
    const b = was.get(s.queryid);
    const key = by === 'kind' ? s.kind : s.query;
    const sum = groups.get(key) ?? (Object.fromEntries(SUM_KEYS.map((k) => [k, 0])) as Sums);
    for (const k of SUM_KEYS) sum[k] += s[k] - (b?.[k] ?? 0);
    groups.set(key, sum);
  }
  const r2 = (n: number) => Math.round(n * 100) / 100;
  const time = (s: Sums) => s.planMs + s.execMs;
  return [...groups]
    .filter(([, s]) => s.calls > 0)
    .sort(([, a], [, b]) =>
      order === 'time' ? time(b) - time(a) : b.buffers - a.buffers || b.walBytes - a.walBytes,
    )
    .slice(0, top)
    .map(([query, s]) => ({
      query,
      callsPerUnit: r2(s.calls / units),
      buffersPerUnit: r1(s.buffers / units),
      walRecordsPerUnit: r2(s.walRecords / units),
      walBytesPerUnit: Math.round(s.walBytes / units),
      plansPerUnit: r2(s.plans / units),
      planUsPerUnit: Math.round((s.planMs * 1000) / units),
      execUsPerUnit: Math.round((s.execMs * 1000) / units),
    }));
}

/** pg_stat_user_functions of one function (`track_functions = 'pl'`: plpgsql ones), cumulative. */
export interface FunctionDetail {
  name: string;
  calls: number;
  /** ms in the function, with what it called (total_time), and without (self_time). */
  totalMs: number;
  selfMs: number;
}

export interface FunctionShare {
  name: string;
  callsPerUnit: number;
  totalUsPerUnit: number;
  selfUsPerUnit: number;
}

/** Functions' (and triggers') calls and time between two readings, per unit, most time first. */
export function functionsPerUnit(
  before: readonly FunctionDetail[],
  after: readonly FunctionDetail[],
  units: number,
): FunctionShare[] {
  if (!(units > 0)) return [];
  const was = new Map(before.map((f) => [f.name, f]));
  return after
    .map((f) => {
      const b = was.get(f.name);
      return {
        name: f.name,
        calls: f.calls - (b?.calls ?? 0),
        totalMs: f.totalMs - (b?.totalMs ?? 0),
        selfMs: f.selfMs - (b?.selfMs ?? 0),
      };
    })
    .filter((f) => f.calls > 0)
    .sort((a, b) => b.totalMs - a.totalMs)
    .map((f) => ({
      name: f.name,
      callsPerUnit: Math.round((f.calls / units) * 100) / 100,
      totalUsPerUnit: Math.round((f.totalMs * 1000) / units),
      selfUsPerUnit: Math.round((f.selfMs * 1000) / units),
    }));
}

/** Markdown tables of the breakdowns of one measured window. */
export function breakdownTables(
  wal: readonly WalShare[],
  stmts: readonly StatementShare[],
  kinds: readonly StatementShare[] = [],
  functions: readonly FunctionShare[] = [],
): string[] {
  const row = (s: StatementShare) =>
    `| \`${s.query.replace(/\|/g, '\\|')}\` | ${s.callsPerUnit} | ${s.buffersPerUnit} | ${s.walRecordsPerUnit} | ${s.walBytesPerUnit} | ${s.plansPerUnit} | ${s.planUsPerUnit} | ${s.execUsPerUnit} |`;
  const head = (what: string) => [
    `| ${what} | calls | buffers | WAL records | WAL bytes | plannings | µs planning | µs executing |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  return [
    '| relation | WAL record | records | bytes | of which full-page images |',
    '| --- | --- | ---: | ---: | ---: |',
    ...wal.map(
      (g) =>
        `| ${g.relation} | ${g.record} | ${g.recordsPerUnit} | ${g.bytesPerUnit} | ${g.fpiBytesPerUnit} |`,
    ),
    '',
    ...head('statement (top level)'),
    ...stmts.map(row),
    ...(kinds.length > 0
      ? ['', ...head('statement kind (top level), most time first'), ...kinds.map(row)]
      : []),
    ...(functions.length > 0
      ? [
          '',
          '| function or trigger (plpgsql) | calls | µs in it (with what it called) | µs in itself |',
          '| --- | ---: | ---: | ---: |',
          ...functions.map(
            (f) => `| ${f.name} | ${f.callsPerUnit} | ${f.totalUsPerUnit} | ${f.selfUsPerUnit} |`,
          ),
        ]
      : []),
  ];
}
