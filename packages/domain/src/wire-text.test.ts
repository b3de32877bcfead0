import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findUnsafeWireValue, MAX_WIRE_DEPTH, toStorableText } from './wire-text';

/** The walk as it was before paths were built lazily: the reference the faster one must equal. */
function reference(value: unknown, rootPath = ''): { path: string; problem: string } | null {
  // eslint-disable-next-line no-control-regex -- finding NUL is the point
  const unsafe = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  const problemOf = (text: string) => {
    const match = unsafe.exec(text);
    if (!match) return null;
    return match[0] === '\u0000' ? 'nul' : 'lone_surrogate';
  };
  const childPath = (parent: string, key: string | number) => {
    if (typeof key === 'number') return `${parent}[${key}]`;
    const safeKey = toStorableText(key);
    return parent === '' ? safeKey : `${parent}.${safeKey}`;
  };
  const stack: { value: unknown; path: string; depth: number }[] = [
    { value, path: rootPath, depth: 0 },
  ];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      const problem = problemOf(item.value);
      if (problem) return { path: item.path || '(value)', problem };
      continue;
    }
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth >= MAX_WIRE_DEPTH) return { path: item.path || '(value)', problem: 'too_deep' };
    const entries: [string | number, unknown][] = Array.isArray(item.value)
      ? item.value.map((v, i) => [i, v])
      : Object.entries(item.value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      const path = childPath(item.path, key);
      if (typeof key === 'string') {
        const problem = key === '__proto__' ? 'reserved_key' : problemOf(key);
        if (problem) return { path, problem };
      }
      stack.push({ value: child, path, depth: item.depth + 1 });
    }
  }
  return null;
}

/** Text that is sometimes unsafe: a NUL, a lone surrogate of either half, or a valid pair. */
const text = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.constantFrom('\u0000', 'a\uD800', '\uDC00b', '\uD83D\uDE00', '__proto__', '', 'x.y'),
);
const deep = (levels: number): unknown => (levels === 0 ? 'bottom' : { a: [deep(levels - 1)] });

describe('findUnsafeWireValue', () => {
  it('finds the same place and problem as the reference walk', () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { maxDepth: 4 },
        text,
        fc.integer(),
        fc.constant(null),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(text, tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, fc.constantFrom('', 'args'), (v, root) => {
        // JSON.parse makes "__proto__" an own key, as a request body would have it.
        const parsed: unknown = JSON.parse(JSON.stringify(v) ?? 'null');
        expect(findUnsafeWireValue(parsed, root)).toEqual(reference(parsed, root));
      }),
      { numRuns: 2000 },
    );
  });

  it('names nested places and refuses a hostile depth', () => {
    expect(findUnsafeWireValue({ a: [{ b: 'x\u0000' }] }, 'args')).toEqual({
      path: 'args.a[0].b',
      problem: 'nul',
    });
    expect(findUnsafeWireValue(JSON.parse('{"ok":1,"__proto__":{}}'))).toEqual({
      path: '__proto__',
      problem: 'reserved_key',
    });
    expect(findUnsafeWireValue('\uD800')).toEqual({ path: '(value)', problem: 'lone_surrogate' });
    expect(findUnsafeWireValue(deep(MAX_WIRE_DEPTH))?.problem).toBe('too_deep');
    expect(findUnsafeWireValue(deep(MAX_WIRE_DEPTH / 2 - 1))).toBeNull();
    expect(findUnsafeWireValue(deep(MAX_WIRE_DEPTH))).toEqual(reference(deep(MAX_WIRE_DEPTH)));
  });
});
