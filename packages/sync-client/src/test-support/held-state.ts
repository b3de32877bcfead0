import { keyString, type LocalDb, type RowData } from '../local-db';

const byId = (a: RowData, b: RowData) => String(a['id']).localeCompare(String(b['id']));

/**
 * The server state a device holds (local-db.ts): a row's shadow where it has one, else its view
 * row. Sorted by id.
 */
export async function heldServerState(db: LocalDb, entity: string): Promise<RowData[]> {
  const shadows = await db.shadow.toArray();
  const shadowed = new Set(shadows.map((s) => keyString(s.e, s.id)));
  const rows = (await db.view.toArray())
    .filter((r) => r.e === entity && !shadowed.has(keyString(r.e, r.id)))
    .map((r) => r.d);
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
