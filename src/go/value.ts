/**
 * Go's view of JavaScript values, shared by the fmt and json encoders and the template engine:
 *   - integers behave like Go `int`, other numbers like `float64`; arrays and typed arrays like slices;
 *   - `Map` instances and objects with a null prototype are Go maps (sorted keys);
 *   - class instances are structs; plain objects are structs when every key starts with an
 *     upper-case letter (Go's exported-field convention) and maps otherwise;
 *   - objects with their own `toString` are Stringers.
 */
const hasOwn = Object.prototype.hasOwnProperty;
const objectToString = Object.prototype.toString;

export function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/** Whether a plain object is treated as a Go struct (see module comment). */
export function isStructLike(o: object): boolean {
  if (o instanceof Map) return false;
  const proto = Object.getPrototypeOf(o);
  if (proto === null) return false;
  if (proto !== Object.prototype) return true;
  let any = false;
  for (const k in o) {
    if (!hasOwn.call(o, k)) continue;
    any = true;
    const c = k.charCodeAt(0);
    if (c >= 65 && c <= 90) continue;
    if (c < 128 || !/^\p{Lu}/u.test(k)) return false;
  }
  return any;
}

/** Whether an object prints through its own toString, like a Go fmt.Stringer. */
export function isStringer(o: object): boolean {
  const ts = (o as { toString?: unknown }).toString;
  return typeof ts === 'function' && ts !== objectToString && !(o instanceof Map) && !isArrayLike(o);
}

/** Go type name used by %T and error messages. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float64';
    case 'bigint':
      return 'int64';
    case 'boolean':
      return 'bool';
    case 'function':
      return 'func';
    case 'symbol':
      return 'symbol';
  }
  if (isArrayLike(v)) {
    if (v instanceof Uint8Array) return '[]uint8';
    // a list of strings is Go's []string (names, tags); an empty one cannot tell
    return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string') ? '[]string' : '[]interface {}';
  }
  if (v instanceof Map || !isStructLike(v as object)) return 'map[string]interface {}';
  const ctor = (v as { constructor?: { name?: string } }).constructor;
  return ctor && ctor !== Object && ctor.name ? ctor.name : 'struct';
}

/** Go's map key order: numbers numerically, everything else by its string form. */
export function sortedKeys(keys: unknown[]): unknown[] {
  if (keys.every((k) => typeof k === 'number')) return (keys as number[]).sort((a, b) => a - b);
  return keys.sort((a, b) => {
    const x = String(a);
    const y = String(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** A map's entries in Go's order (sorted keys). */
export function mapEntries(o: object): [unknown, unknown][] {
  if (o instanceof Map) {
    const keys = sortedKeys([...o.keys()]);
    return keys.map((k) => [k, o.get(k)]);
  }
  return (sortedKeys(Object.keys(o)) as string[]).map((k) => [k, (o as Record<string, unknown>)[k]]);
}
