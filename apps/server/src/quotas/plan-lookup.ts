import type { Db } from '../db/db';
import { isPlanName, type PlanName } from './plans';

/**
 * A store's plan, remembered for `ttlMs` per instance: the rate limits read it on every request,
 * and a plan change taking up to a minute to reach the limits is fine.
 */
export function createPlanLookup(db: Db, ttlMs = 60_000, now: () => number = Date.now) {
  const known = new Map<string, { plan: PlanName; until: number }>();
  return async function planOf(storeId: string): Promise<PlanName> {
    const hit = known.get(storeId);
    if (hit && hit.until > now()) return hit.plan;
    const plan = await db.transaction({ storeId }, async (sql) => {
      const res = await sql.query<{ plan: string }>('select plan from stores where id = $1', [
        storeId,
      ]);
      return res.rows[0]?.plan;
    });
    const resolved: PlanName = isPlanName(plan) ? plan : 'free';
    if (known.size > 100_000) known.clear();
    known.set(storeId, { plan: resolved, until: now() + ttlMs });
    return resolved;
  };
}
