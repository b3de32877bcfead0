import { describe, expect, expectTypeOf, it } from 'vitest';
import type { EntityRows } from '../../../../packages/domain/src/entities';
import { STORE_COLUMNS } from './entity-tables';

type StoreField = (typeof STORE_COLUMNS)[number]['field'];

describe('STORE_COLUMNS', () => {
  it('has a column for every field of the store entity, so no setting is silently dropped', () => {
    // Checked by the compiler (npm run typecheck): a StoreRow field without a column, the shape
    // that dropped strictBooking, makes this type non-never. `satisfies` in entity-tables.ts
    // checks the other direction (every column is a StoreRow field).
    expectTypeOf<Exclude<keyof EntityRows['store'], StoreField>>().toEqualTypeOf<never>();
  });

  it('maps each field and each column once', () => {
    const fields = STORE_COLUMNS.map((c) => c.field);
    const columns = STORE_COLUMNS.map((c) => c.column);
    expect(new Set(fields).size).toBe(fields.length);
    expect(new Set(columns).size).toBe(columns.length);
  });
});
