import { describe, expect, it } from 'vitest';
import {
  breakdownTables,
  compareWork,
  type DbWorkReading,
  functionsPerUnit,
  parsePgbenchOutput,
  ratio,
  statementKind,
  type StatementShare,
  statementsPerUnit,
  walPerUnit,
  workPerUnit,
  workTable,
} from './db-work';

const reading = (over: Partial<DbWorkReading> = {}): DbWorkReading => ({
  statements: {
    statements: 0,
    nestedStatements: 0,
    sharedBlksHit: 0,
    sharedBlksRead: 0,
    sharedBlksDirtied: 0,
    sharedBlksWritten: 0,
    walRecords: 0,
    walFpi: 0,
    walBytes: 0,
    plans: 0,
    planTimeMs: 0,
    execTimeMs: 0,
  },
  dealloc: 0,
  tables: { seqScans: 0, indexScans: 0, rowsInserted: 0, rowsUpdated: 0, rowsHotUpdated: 0 },
  clusterWal: { walRecords: 0, walFpi: 0, walBytes: 0 },
  ...over,
});

describe('workPerUnit', () => {
  it('divides the difference of two readings by the units', () => {
    const before = reading({
      statements: {
        statements: 100,
        nestedStatements: 10,
        sharedBlksHit: 1000,
        sharedBlksRead: 5,
        sharedBlksDirtied: 3,
        sharedBlksWritten: 1,
        walRecords: 50,
        walFpi: 2,
        walBytes: 4000,
        plans: 40,
        planTimeMs: 12.5,
        execTimeMs: 100,
      },
      tables: { seqScans: 7, indexScans: 70, rowsInserted: 9, rowsUpdated: 4, rowsHotUpdated: 1 },
      clusterWal: { walRecords: 500, walFpi: 20, walBytes: 90_000 },
    });
    const after = reading({
      statements: {
        statements: 100 + 127,
        nestedStatements: 10 + 72,
        sharedBlksHit: 1000 + 1400,
        sharedBlksRead: 5 + 10,
        sharedBlksDirtied: 3 + 30,
        sharedBlksWritten: 1,
        walRecords: 50 + 259,
        walFpi: 2 + 1,
        walBytes: 4000 + 66_005,
        plans: 40 + 31,
        planTimeMs: 12.5 + 4.25,
        execTimeMs: 100 + 9.5,
      },
      tables: {
        seqScans: 7 + 20,
        indexScans: 70 + 150,
        rowsInserted: 9 + 32,
        rowsUpdated: 4 + 20,
        rowsHotUpdated: 1 + 15,
      },
      clusterWal: { walRecords: 500 + 300, walFpi: 20, walBytes: 90_000 + 70_000 },
    });
    const work = workPerUnit(before, after, 10);
    expect(work.warnings).toEqual([]);
    expect(work.units).toBe(10);
    expect(work.perUnit).toEqual({
      statements: 12.7,
      nestedStatements: 7.2,
      buffers: 141,
      buffersRead: 1,
      buffersDirtied: 3,
      buffersWritten: 0,
      walRecords: 25.9,
      walFpi: 0.1,
      walBytes: 6601,
      plans: 3.1,
      planUs: 425,
      execUs: 950,
      relationScans: 17,
      indexScans: 15,
      seqScans: 2,
      rowsInserted: 3.2,
      rowsUpdated: 2,
      rowsHotUpdated: 1.5,
      clusterWalRecords: 30,
      clusterWalFpi: 0,
      clusterWalBytes: 7000,
    });
  });

  it('records null statement counts, with a warning, without pg_stat_statements', () => {
    const before = reading({ statements: null, dealloc: null });
    const after = reading({
      statements: null,
      dealloc: null,
      tables: { seqScans: 0, indexScans: 4, rowsInserted: 2, rowsUpdated: 2, rowsHotUpdated: 0 },
    });
    const work = workPerUnit(before, after, 2);
    expect(work.warnings).toHaveLength(1);
    expect(work.warnings[0]).toMatch(/pg_stat_statements not available/);
    expect(work.perUnit?.statements).toBeNull();
    expect(work.perUnit?.buffers).toBeNull();
    expect(work.perUnit?.walBytes).toBeNull();
    expect(work.perUnit?.planUs).toBeNull();
    // The table counters do not need the extension.
    expect(work.perUnit?.indexScans).toBe(2);
    expect(work.perUnit?.rowsInserted).toBe(1);
    expect(workPerUnit(before, after, 2, 'not preloaded').warnings).toEqual(['not preloaded']);
  });

  it('drops the statement counts when entries were evicted during the run', () => {
    const after = reading({ dealloc: 3 });
    const work = workPerUnit(reading(), after, 5);
    expect(work.warnings[0]).toMatch(/evicted 3 entries/);
    expect(work.perUnit?.statements).toBeNull();
    expect(work.perUnit?.relationScans).toBe(0);
  });

  it('measures nothing over zero units', () => {
    const work = workPerUnit(reading(), reading(), 0);
    expect(work.perUnit).toBeNull();
    expect(work.warnings).toHaveLength(1);
  });
});

describe('compareWork and workTable', () => {
  const perUnit = (statements: number | null, walBytes: number | null) => {
    const work = workPerUnit(
      reading(),
      reading({
        statements: {
          ...(reading().statements as NonNullable<DbWorkReading['statements']>),
          statements: statements ?? 0,
          walBytes: walBytes ?? 0,
        },
      }),
      1,
    ).perUnit;
    if (!work) throw new Error('no work');
    return { ...work, statements, walBytes };
  };

  it('puts each counter next to the baseline with the ratio', () => {
    const rows = compareWork([perUnit(12.7, 6600), null], perUnit(5, 384));
    const statements = rows.find((r) => r.counter === 'statements');
    expect(statements).toMatchObject({ values: [12.7, null], baseline: 5, ratios: [2.5, null] });
    const wal = rows.find((r) => r.counter === 'walBytes');
    expect(wal?.ratios).toEqual([17.2, null]);
    // A zero baseline has no ratio (pgbench inserts nothing in triggers).
    expect(rows.find((r) => r.counter === 'nestedStatements')?.ratios).toEqual([null, null]);
  });

  it('renders n/a for what was not measured', () => {
    const rows = compareWork([perUnit(null, null)], perUnit(5, 384));
    const lines = workTable(['push'], 'pgbench', rows);
    expect(lines[0]).toBe('| counter | push | pgbench | push ÷ pgbench |');
    expect(lines[1]).toBe('| --- | ---: | ---: | ---: |');
    expect(lines.find((l) => l.includes('WAL bytes |'))).toBe('| WAL bytes | n/a | 384 | n/a |');
    expect(lines).toHaveLength(2 + rows.length);
  });

  it('can leave out the ratios and all but some counters', () => {
    const rows = compareWork([perUnit(12, 7000), perUnit(13, 7100)], perUnit(5, 384));
    const lines = workTable(['a', 'b'], 'pgbench', rows, {
      ratios: false,
      counters: ['statements', 'walBytes'],
    });
    expect(lines).toEqual([
      '| counter | a | b | pgbench |',
      '| --- | ---: | ---: | ---: |',
      '| statements, top level (BEGIN and COMMIT included) | 12 | 13 | 5 |',
      '| WAL bytes | 7000 | 7100 | 384 |',
    ]);
  });

  it('ratio rounds to 0.1 and refuses a missing or zero divisor', () => {
    expect(ratio(141, 16)).toBe(8.8);
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(null, 3)).toBeNull();
    expect(ratio(3, null)).toBeNull();
  });
});

describe('parsePgbenchOutput', () => {
  const output = `pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: <builtin: simple update>
scaling factor: 10
query mode: simple
number of clients: 16
number of threads: 2
maximum number of tries: 1
duration: 15 s
number of transactions actually processed: 23456
number of failed transactions: 0 (0.000%)
latency average = 10.231 ms
initial connection time = 25.108 ms
tps = 1563.812345 (without initial connection time)
`;

  it('reads tps, latency and the transactions processed', () => {
    expect(parsePgbenchOutput(output)).toEqual({
      tps: 1563.8,
      latencyAvgMs: 10.231,
      transactions: 23456,
    });
  });

  it('reads "n/m" transactions (a run with -t) as n', () => {
    expect(
      parsePgbenchOutput('number of transactions actually processed: 990/1000\ntps = 12.0')
        .transactions,
    ).toBe(990);
  });

  it('gives NaN, not a number, for output it does not know', () => {
    const parsed = parsePgbenchOutput('connection to server failed');
    expect(parsed.transactions).toBeNaN();
    expect(parsed.tps).toBeNaN();
  });
});

describe('walPerUnit', () => {
  const group = (relation: string, bytes: number, fpiBytes = 0, records = 1) => ({
    relation,
    record: 'Heap/INSERT',
    records,
    bytes,
    fpiBytes,
  });

  it('orders the groups by bytes and divides them by the units', () => {
    const out = walPerUnit([group('payments', 1_000, 0, 30), group('tickets', 5_000, 800, 20)], 10);
    expect(
      out.map((g) => [g.relation, g.bytesPerUnit, g.fpiBytesPerUnit, g.recordsPerUnit]),
    ).toEqual([
      ['tickets', 500, 80, 2],
      ['payments', 100, 0, 3],
    ]);
  });

  it('folds the groups under the threshold into one row that keeps their sum', () => {
    const out = walPerUnit([group('tickets', 900), group('a', 20, 10), group('b', 30)], 10, 5);
    expect(out.map((g) => [g.relation, g.bytes, g.fpiBytes])).toEqual([
      ['tickets', 900, 0],
      ['(2 smaller groups)', 50, 10],
    ]);
  });

  it('gives nothing for no units', () => {
    expect(walPerUnit([group('tickets', 900)], 0)).toEqual([]);
  });
});

describe('statementsPerUnit', () => {
  const stmt = (
    queryid: string,
    query: string,
    calls: number,
    buffers: number,
    walBytes = 0,
    time: { plans?: number; planMs?: number; execMs?: number; kind?: string } = {},
  ) => ({
    queryid,
    query,
    kind: time.kind ?? query,
    calls,
    buffers,
    walRecords: 0,
    walBytes,
    plans: time.plans ?? 0,
    planMs: time.planMs ?? 0,
    execMs: time.execMs ?? 0,
  });
  const share = (query: string, over: Partial<StatementShare>): StatementShare => ({
    query,
    callsPerUnit: 0,
    buffersPerUnit: 0,
    walRecordsPerUnit: 0,
    walBytesPerUnit: 0,
    plansPerUnit: 0,
    planUsPerUnit: 0,
    execUsPerUnit: 0,
    ...over,
  });

  it('takes the difference of two readings, sums equal texts, most buffers first', () => {
    const before = [
      stmt('1', 'with w0 as (insert into tickets', 10, 100),
      stmt('3', 'select 1', 5, 5),
    ];
    const after = [
      stmt('1', 'with w0 as (insert into tickets', 14, 180, 400),
      stmt('2', 'with w0 as (insert into tickets', 2, 40, 100), // new since the first reading
      stmt('3', 'select 1', 5, 5), // not called in between: left out
      stmt('4', 'select data from tickets', 4, 20),
    ];
    expect(statementsPerUnit(before, after, 2)).toEqual([
      share('with w0 as (insert into tickets', {
        callsPerUnit: 3,
        buffersPerUnit: 60,
        walBytesPerUnit: 250,
      }),
      share('select data from tickets', { callsPerUnit: 2, buffersPerUnit: 10 }),
    ]);
  });

  it('groups by kind and orders by planning + execution time, in µs per unit', () => {
    const before = [stmt('1', 'a', 10, 0, 0, { kind: 'K', plans: 10, planMs: 1, execMs: 2 })];
    const after = [
      stmt('1', 'a', 14, 0, 0, { kind: 'K', plans: 14, planMs: 1.8, execMs: 2.2 }),
      stmt('2', 'b', 2, 0, 0, { kind: 'K', plans: 0, planMs: 0, execMs: 0.2 }),
      stmt('3', 'c', 1, 99, 0, { kind: 'L', plans: 1, planMs: 0.05, execMs: 0.05 }),
    ];
    expect(statementsPerUnit(before, after, 4, { by: 'kind', order: 'time' })).toEqual([
      share('K', { callsPerUnit: 1.5, plansPerUnit: 1, planUsPerUnit: 200, execUsPerUnit: 100 }),
      share('L', {
        callsPerUnit: 0.25,
        buffersPerUnit: 24.8,
        plansPerUnit: 0.25,
        planUsPerUnit: 13,
        execUsPerUnit: 13,
      }),
    ]);
    // By buffers, L (99 buffers) comes first.
    expect(statementsPerUnit(before, after, 4, { by: 'kind' })[0]?.query).toBe('L');
  });

  it('escapes a | of a statement in the markdown table', () => {
    const lines = breakdownTables(
      [],
      [share('select a || b', { callsPerUnit: 1, buffersPerUnit: 1 })],
    );
    expect(lines.at(-1)).toBe('| `select a \\|\\| b` | 1 | 1 | 0 | 0 | 0 | 0 | 0 |');
  });
});

describe('statementKind', () => {
  it("names a batched write by its targets, in order, whatever its columns' text", () => {
    const text = `with w0 as (insert into tickets (store_id, id) select $1::uuid, v.id from (select 1) v),
      w1 as (update  appointments t set version = v.version from x where t.id = v.id returning 1),
      w2 as (delete from ticket_lines where id = $9)
      select 1`;
    expect(statementKind(text)).toBe('batched write: +tickets ~appointments -ticket_lines');
  });

  it('shortens any other statement to its first 60 characters, spaces folded', () => {
    expect(
      statementKind(
        '  select   id\n  from tickets where store_id = $1 and id = any($2::uuid[]) and x',
      ),
    ).toBe('select id from tickets where store_id = $1 and id = any($2::');
    expect(statementKind('COMMIT')).toBe('COMMIT');
  });
});

describe('functionsPerUnit', () => {
  it('takes the difference per function, most time first, and leaves out the uncalled', () => {
    const before = [
      { name: 'public.f', calls: 10, totalMs: 5, selfMs: 4 },
      { name: 'public.g', calls: 1, totalMs: 1, selfMs: 1 },
    ];
    const after = [
      { name: 'public.f', calls: 12, totalMs: 5.5, selfMs: 4.2 },
      { name: 'public.g', calls: 1, totalMs: 1, selfMs: 1 },
      { name: 'public.h', calls: 4, totalMs: 2, selfMs: 1 },
    ];
    expect(functionsPerUnit(before, after, 4)).toEqual([
      { name: 'public.h', callsPerUnit: 1, totalUsPerUnit: 500, selfUsPerUnit: 250 },
      { name: 'public.f', callsPerUnit: 0.5, totalUsPerUnit: 125, selfUsPerUnit: 50 },
    ]);
    expect(functionsPerUnit(before, after, 0)).toEqual([]);
  });
});
