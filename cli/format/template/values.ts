/** Go semantics over JavaScript values that the executor and the functions share: field lookup, truth, template JSON. */
import { goJSON as encodeJSON, isArrayLike, type GoJSONOptions } from '../../../src/go/index.js';

export const MISSING: unique symbol = Symbol('missing');
export const NOT_FOUND: unique symbol = Symbol('not found');
export const hasOwn = Object.prototype.hasOwnProperty;

export type Obj = Record<string, unknown>;

/** Own or prototype (excluding Object.prototype) property lookup. */
export function getProp(o: object, name: string): unknown {
  if (hasOwn.call(o, name)) return (o as Obj)[name];
  if (name === 'constructor') return NOT_FOUND;
  let p = Object.getPrototypeOf(o);
  while (p !== null && p !== Object.prototype) {
    if (hasOwn.call(p, name)) return (o as Obj)[name];
    p = Object.getPrototypeOf(p);
  }
  return NOT_FOUND;
}

/** Go truthiness: false, 0, "", nil, and empty slices/maps are false. */
export function isTrue(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'number':
      return v !== 0;
    case 'bigint':
      return v !== 0n;
    case 'string':
      return v.length > 0;
    case 'function':
      return true;
    case 'object':
      if (isArrayLike(v)) return v.length > 0;
      if (v instanceof Map) return v.size > 0;
      if (v instanceof Set) return v.size > 0;
      {
        const proto = Object.getPrototypeOf(v);
        if (proto === null || proto === Object.prototype) {
          for (const k in v) if (hasOwn.call(v, k)) return true;
          return false;
        }
      }
      return true;
    default:
      return true;
  }
}

/** JSON of template data (podman's `json` function): Go's encoding with maps inferred from the value, no HTML escaping unless asked. */
export function goJSON(value: unknown, opts: Omit<GoJSONOptions, 'maps'> = {}): string {
  return encodeJSON(value, { escapeHTML: false, ...opts, maps: 'inferred' });
}
