/**
 * Go's encoding/json over JavaScript values, so manifests, inspect output and `--format json`
 * come out byte for byte as containers/image and podman write them:
 *   - strings escape U+2028/U+2029 always and <, > and & when `escapeHTML` (json.Marshal's default);
 *   - maps get sorted keys, structs keep their field (insertion) order; which objects are maps is
 *     the caller's choice (`maps`): 'explicit' (only `Map` and null-prototype objects, see goMap —
 *     for values built to mirror Go types) or 'inferred' (the value model of value.ts — for
 *     arbitrary data such as template input);
 *   - values with a toJSON() (GoTime, Date) are encoded through it; undefined, functions and
 *     symbols are omitted from objects and are null elsewhere; non-finite numbers are null;
 *   - `indent` gives MarshalIndent output (`base`: the indentation the value starts at).
 */
import { BerthError } from '../errors.js';
import { isArrayLike, isStructLike, mapEntries } from './value.js';

export interface GoJSONOptions {
  /** Indentation per level; '' (default) gives compact output. */
  indent?: string;
  /** Indentation already in effect (for a value printed inside an enclosing array). */
  base?: string;
  /** Escape <, > and & (default true, as json.Marshal; json.Encoder.SetEscapeHTML(false) turns it off). */
  escapeHTML?: boolean;
  /** Which objects are Go maps (default 'explicit'). */
  maps?: 'explicit' | 'inferred';
}

/** An object encoded as a Go struct (fields in insertion order, even lower-case ones). */
export class GoStruct {
  constructor(fields: Record<string, unknown>) {
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) (this as Record<string, unknown>)[k] = v;
  }
}

/** A Go map: sorted keys in JSON, "<no value>" for a missing key in templates. */
export function goMap<T>(o: Record<string, T> | null | undefined): Record<string, T> | null {
  if (o === null || o === undefined || typeof o !== 'object') return null;
  return Object.assign(Object.create(null) as Record<string, T>, o);
}

const MAX_DEPTH = 200;

/** Characters any of the escapes below may change (lone surrogates: JSON.stringify's \uXXXX). */
// eslint-disable-next-line no-control-regex -- control characters are what must be escaped
const NEEDS_ESCAPE = /[\u0000-\u001f"\\<>&\u2028\u2029\ud800-\udfff]/;

function quote(s: string, escapeHTML: boolean): string {
  // most strings (names, digests, labels) need no escape at all
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let q = JSON.stringify(s);
  if (/[\u2028\u2029]/.test(q)) q = q.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  if (escapeHTML && /[<>&]/.test(q)) q = q.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
  return q;
}

/** Encodes `value` as Go's encoding/json would (see the module comment). */
export function goJSON(value: unknown, opts: GoJSONOptions = {}): string {
  const html = opts.escapeHTML ?? true;
  if (typeof value === 'string') return quote(value, html); // the common case of callers that lay out their own objects
  const indent = opts.indent ?? '';
  const isMap =
    opts.maps === 'inferred'
      ? (o: object): boolean => !isStructLike(o)
      : (o: object): boolean => o instanceof Map || Object.getPrototypeOf(o) === null;
  const sep = indent ? ': ' : ':';

  const enc = (v: unknown, cur: string, depth: number): string => {
    if (v === null || v === undefined) return 'null';
    switch (typeof v) {
      case 'string':
        return quote(v, html);
      case 'number':
        return Number.isFinite(v) ? JSON.stringify(v) : 'null';
      case 'bigint':
        return v.toString();
      case 'boolean':
        return v ? 'true' : 'false';
      case 'function':
      case 'symbol':
        return 'null';
    }
    if (depth > MAX_DEPTH) throw new BerthError('INVALID_ARGUMENT', 'json: value nested too deeply (cyclic?)');
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return enc(toJSON.call(v), cur, depth + 1);
    const inner = cur + indent;
    const wrap = (open: string, items: string[], close: string): string => {
      if (items.length === 0) return open + close;
      if (!indent) return open + items.join(',') + close;
      return `${open}\n${inner}${items.join(`,\n${inner}`)}\n${cur}${close}`;
    };
    if (isArrayLike(v)) {
      const items: string[] = [];
      for (let i = 0; i < v.length; i++) items.push(enc(v[i], inner, depth + 1));
      return wrap('[', items, ']');
    }
    if (v instanceof Set) return enc([...v], cur, depth);
    const entries: [unknown, unknown][] = isMap(v) ? mapEntries(v) : Object.entries(v);
    const items: string[] = [];
    for (const [k, val] of entries) {
      if (val === undefined || typeof val === 'function' || typeof val === 'symbol') continue;
      items.push(quote(String(k), html) + sep + enc(val, inner, depth + 1));
    }
    return wrap('{', items, '}');
  };
  return enc(value, opts.base ?? '', 0);
}
