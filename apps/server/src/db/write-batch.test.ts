import { describe, expect, it } from 'vitest';
import { WriteBatch } from './write-batch';

describe('WriteBatch', () => {
  it('shifts each write’s placeholders past the ones before it, the same on every batch', () => {
    const statement = () => {
      const batch = new WriteBatch();
      batch.add('update a set x = $2 where id = $1', ['a', 1]);
      batch.add('update b set y = $2, z = $12 where id = $1', ['b', 2]);
      batch.add('insert into c values ($1)', ['c']);
      return batch.statement();
    };
    const expected = {
      text:
        'with w0 as (update a set x = $2 where id = $1),\n' +
        'w1 as (update b set y = $4, z = $14 where id = $3),\n' +
        'w2 as (insert into c values ($5))\nselect 1',
      params: ['a', 1, 'b', 2, 'c'],
    };
    expect(statement()).toEqual(expected);
    expect(statement()).toEqual(expected); // remembered texts give the same statement
  });

  it('refuses a statement with its own WITH or a $$ string, every time', () => {
    for (let i = 0; i < 2; i++) {
      expect(() => new WriteBatch().add('with x as (select 1) delete from t', [])).toThrow(
        /cannot be batched/,
      );
      expect(() => new WriteBatch().add('insert into t values ($$a$$)', [])).toThrow(
        /cannot be batched/,
      );
    }
  });
});
