/**
 * The one rule for text that arrives from outside (a device, a browser, an API client): no NUL
 * character and no lone UTF-16 surrogate, anywhere, keys included. PostgreSQL cannot store
 * either (text refuses NUL, jsonb refuses both as escapes), so letting one through turns into an
 * error on every retry. Device and server use the same check, so a mutation a device applies
 * optimistically is refused there too, with the same code.
 */

/** A NUL, a high surrogate not followed by a low one, or a low surrogate not after a high one. */
// eslint-disable-next-line no-control-regex -- finding NUL is the point of this rule
const UNSAFE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSAFE_TEXT_GLOBAL = new RegExp(UNSAFE_TEXT.source, 'g');

/**
 * Deeper arguments than any mutator takes: refused before they reach a schema, JSON.stringify or
 * jsonb (whose own depth limit would fail the same way on every retry).
 */
export const MAX_WIRE_DEPTH = 32;

export type WireProblem = 'nul' | 'lone_surrogate' | 'too_deep' | 'reserved_key';

/**
 * A key that, assigned the ordinary way (`obj[key] = value`, as schema parsers and copies do),
 * replaces the object's prototype instead of adding a field: refused wherever it appears.
 */
const RESERVED_KEYS = new Set(['__proto__']);

export interface UnsafeWireValue {
  /** Where, as `a.b[2].c` (already storable: unsafe characters replaced). */
  path: string;
  problem: WireProblem;
}

export function isSafeText(text: string): boolean {
  return !UNSAFE_TEXT.test(text);
}

function problemOf(text: string): WireProblem | null {
  const match = UNSAFE_TEXT.exec(text);
  if (!match) return null;
  return match[0] === '\u0000' ? 'nul' : 'lone_surrogate';
}

/** The text with each NUL and lone surrogate replaced by U+FFFD, so it can be stored or shown. */
export function toStorableText(text: string): string {
  return text.replace(UNSAFE_TEXT_GLOBAL, '\uFFFD');
}

/** A JSON-like value with every string (keys too) made storable; depth is cut at MAX_WIRE_DEPTH. */
export function toStorableValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return toStorableText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_WIRE_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => toStorableValue(v, depth + 1));
  // fromEntries defines own properties: a "__proto__" key stays a key, never a prototype.
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [toStorableText(k), toStorableValue(v, depth + 1)]),
  );
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const safeKey = toStorableText(key);
  return parent === '' ? safeKey : `${parent}.${safeKey}`;
}

/** A value being checked; its path is built from `parent` and `key` only when it is reported. */
interface Walked {
  value: unknown;
  depth: number;
  parent: Walked | null;
  key: string | number | null;
}

function pathOf(rootPath: string, at: Walked): string {
  const keys: (string | number)[] = [];
  for (let w: Walked | null = at; w !== null && w.key !== null; w = w.parent) keys.push(w.key);
  let path = rootPath;
  for (let i = keys.length - 1; i >= 0; i--) path = childPath(path, keys[i]!);
  return path || '(value)';
}

/**
 * The first place in a parsed JSON value that breaks the rule, or null. Walks iteratively, so a
 * hostile nesting depth cannot overflow the stack before it is refused. Every push runs it over
 * each mutation's arguments: paths are built only for the place reported.
 */
export function findUnsafeWireValue(value: unknown, rootPath = ''): UnsafeWireValue | null {
  const stack: Walked[] = [{ value, depth: 0, parent: null, key: null }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (typeof v === 'string') {
      const problem = problemOf(v);
      if (problem) return { path: pathOf(rootPath, item), problem };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (item.depth >= MAX_WIRE_DEPTH) return { path: pathOf(rootPath, item), problem: 'too_deep' };
    const depth = item.depth + 1;
    // Reversed, so the first problem in reading order is the one reported.
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ value: v[i], depth, parent: item, key: i });
      }
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const child: Walked = {
        value: (v as Record<string, unknown>)[key],
        depth,
        parent: item,
        key,
      };
      const problem = RESERVED_KEYS.has(key) ? 'reserved_key' : problemOf(key);
      if (problem) return { path: pathOf(rootPath, child), problem };
      stack.push(child);
    }
  }
  return null;
}

/** What a person reads about the problem: names the field, says what to do. */
export function describeWireProblem(unsafe: UnsafeWireValue): string {
  switch (unsafe.problem) {
    case 'nul':
      return `${unsafe.path}: text holds a NUL character, which cannot be stored; remove it.`;
    case 'lone_surrogate':
      return `${unsafe.path}: text holds a broken character (a lone UTF-16 surrogate); retype it.`;
    case 'too_deep':
      return `${unsafe.path}: nested deeper than ${MAX_WIRE_DEPTH} levels.`;
    case 'reserved_key':
      return `${unsafe.path}: "__proto__" cannot be a field name.`;
  }
}
