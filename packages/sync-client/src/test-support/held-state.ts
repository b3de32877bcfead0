import { keyString, type LocalDb, type RowData } from '../local-db';

const byId = (a: RowData, b: RowData) => String(a['id']).localeCompare(String(b['id']));

/**
 * The server state a device holds (local-db.ts): a row's shadow where it has one, else its view
 * row or its packed row. Sorted by id. Throws when a key is in more than one place (view, a
 * pack) or the packs of an entity overlap or hold rows outside their range.
 */
export async function heldServerState(db: LocalDb, entity: string): Promise<RowData[]> {
  const shadows = await db.shadow.toArray();
  const shadowed = new Set(shadows.map((s) => keyString(s.e, s.id)));
  const views = await db.view.toArray();
  const seen = new Set(views.map((r) => keyString(r.e, r.id)));
  const packed: RowData[] = [];
  let lastHi = '';
  for (const p of await db.pack.orderBy('[e+lo+hi]').toArray()) {
    if (p.e !== entity) continue;
    if (p.lo <= lastHi) throw new Error(`packs of ${entity} overlap at ${p.lo}`);
    lastHi = p.hi;
    for (const r of p.rows) {
      const key = keyString(p.e, r.id);
      if (seen.has(key)) throw new Error(`${key} is in the view and a pack, or in two packs`);
      if (shadowed.has(key)) throw new Error(`${key} has a shadow and is packed`);
      if (r.id < p.lo || r.id > p.hi) throw new Error(`${key} outside its pack's range`);
      seen.add(key);
      packed.push(r.d);
    }
  }
  const rows = views
    .filter((r) => r.e === entity && !shadowed.has(keyString(r.e, r.id)))
    .map((r) => r.d);
  rows.push(...packed);
  for (const s of shadows) if (s.e === entity && s.d !== null) rows.push(s.d);
  return rows.sort(byId);
}

/** The keys that have a shadow, and the keys the outbox's mutations touched: always equal. */
export async function shadowsAndTouched(
  db: LocalDb,
): Promise<{ shadows: string[]; touched: string[] }> {
  const shadows = (await db.shadow.toCollection().primaryKeys()).map(([e, id]) => keyString(e, id));
  const touched = new Set<string>();
  for (const m of await db.outbox.toArray())
    for (const [e, id] of m.touched) touched.add(keyString(e, id));
  return { shadows: shadows.sort(), touched: [...touched].sort() };
}
