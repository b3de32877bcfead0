import type { Sql } from '../db';
import { statementName } from '../db-postgres';

/** A node of `explain (format json)`, with the counts the plan tests look at. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

export function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

/**
 * The nodes of the generic plan of a statement this transaction's connection has prepared (by
 * its name, `statementName(text)`), run with `explain analyze` on `params`.
 */
export async function genericPlanNodes(
  sql: Sql,
  text: string,
  params: readonly unknown[],
): Promise<PlanNode[]> {
  const literal = (v: unknown) =>
    `'${(Array.isArray(v) ? `{${v.join(',')}}` : String(v)).replace(/'/g, "''")}'`;
  await sql.query('set local plan_cache_mode = force_generic_plan');
  const plan = await sql.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
    `explain (analyze, costs off, timing off, format json) execute ${statementName(text)}(${params.map(literal).join(', ')})`,
  );
  return nodesOf(plan.rows[0]!['QUERY PLAN'][0]!.Plan);
}
