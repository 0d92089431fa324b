import { BerthError } from '../errors.js';
import { goJSONSyntaxError } from '../go/json-syntax.js';

/**
 * JSON.parse that rejects duplicate object keys (at any depth). Duplicate keys let two
 * parsers see different documents, so security-relevant documents (manifests, indexes,
 * configs, archive manifests) are parsed with this.
 */
export function parseStrictJSON(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // Go's words, as podman's (V8 quotes a snippet of the input in its own: kept on one line)
    const msg = goJSONSyntaxError(text) ?? (e as Error).message.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => JSON.stringify(c).slice(1, -1));
    throw new BerthError('INVALID_MANIFEST', `${what} is not valid JSON: ${msg.length > 200 ? msg.slice(0, 197) + '...' : msg}`);
  }
  const dup = findDuplicateKey(text);
  if (dup !== undefined) throw new BerthError('INVALID_MANIFEST', `${what} has duplicate key ${JSON.stringify(dup)}`);
  return value;
}

/** Scan already-valid JSON text; return the first duplicated key, if any. */
function findDuplicateKey(s: string): string | undefined {
  const stack: (Set<string> | null)[] = [];
  let i = 0;
  let expectKey = false;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let hasEscape = false;
      while (s.charCodeAt(j) !== 0x22) {
        if (s.charCodeAt(j) === 0x5c) {
          hasEscape = true;
          j += 2;
        } else j++;
      }
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const raw = s.slice(i, j + 1);
        const key = hasEscape ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.has(key)) return key;
        top.add(key);
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] !== null && stack.length > 0;
    }
    i++;
  }
  return undefined;
}
