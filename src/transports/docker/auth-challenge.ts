/**
 * WWW-Authenticate parsing (RFC 7235 challenges) and registry token scopes.
 *
 * A header may hold several challenges ("Bearer realm=..., Basic realm=...") and a response may
 * carry several headers. Parameter values are tokens or quoted strings with backslash escapes.
 * Parsing is lenient about junk (skips it) but never lets one challenge's params leak into the
 * next one.
 */

export interface AuthChallenge {
  /** Lower-cased scheme: "bearer", "basic", ... */
  scheme: string;
  /** Lower-cased parameter names; the first occurrence of a name wins. */
  params: Record<string, string>;
}

const TCHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

/** Parse one or more WWW-Authenticate header values. */
export function parseWWWAuthenticate(header: string | string[] | undefined): AuthChallenge[] {
  if (header === undefined) return [];
  const values = Array.isArray(header) ? header : [header];
  const out: AuthChallenge[] = [];
  for (const v of values) out.push(...parseOne(v));
  return out;
}

function parseOne(s: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let pos = 0;
  const n = s.length;
  const skipWs = () => {
    while (pos < n && (s[pos] === ' ' || s[pos] === '\t')) pos++;
  };
  const skipWsAndCommas = () => {
    while (pos < n && (s[pos] === ' ' || s[pos] === '\t' || s[pos] === ',')) pos++;
  };
  const readToken = (): string => {
    const start = pos;
    while (pos < n && TCHAR.test(s[pos]!)) pos++;
    return s.slice(start, pos);
  };
  const readQuoted = (): string => {
    // s[pos] === '"'
    pos++;
    let v = '';
    while (pos < n && s[pos] !== '"') {
      if (s[pos] === '\\' && pos + 1 < n) pos++;
      v += s[pos];
      pos++;
    }
    if (pos < n) pos++; // closing quote (an unterminated string ends at the end of the header)
    return v;
  };

  while (pos < n) {
    skipWsAndCommas();
    if (pos >= n) break;
    const scheme = readToken();
    if (!scheme) {
      pos++;
      continue;
    } // junk character: skip it
    const ch: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(ch);
    skipWs();
    // auth-params (or a token68, which registries do not use and we ignore)
    for (;;) {
      const save = pos;
      skipWsAndCommas();
      if (pos >= n) break;
      const name = readToken();
      if (!name) {
        // token68 characters ('/', '=' padding ...) or junk: skip to the next comma
        while (pos < n && s[pos] !== ',') pos++;
        continue;
      }
      skipWs();
      if (s[pos] !== '=') {
        // a bare token starts the next challenge (its scheme)
        pos = save;
        break;
      }
      pos++; // '='
      if (s[pos] === '=') {
        // token68 with padding, e.g. "abc=="
        while (pos < n && s[pos] !== ',') pos++;
        continue;
      }
      skipWs();
      const value = s[pos] === '"' ? readQuoted() : readToken();
      const key = name.toLowerCase();
      if (!(key in ch.params)) ch.params[key] = value;
      skipWs();
      if (pos < n && s[pos] !== ',') {
        // garbage after a value: skip to the next comma
        while (pos < n && s[pos] !== ',') pos++;
      }
    }
  }
  return out;
}

/** Registry token scope: "repository:NAME:pull,push" (NAME may contain ':'). */
export interface Scope {
  type: string;
  name: string;
  actions: string[];
}

export function parseScope(s: string): Scope | undefined {
  const first = s.indexOf(':');
  const last = s.lastIndexOf(':');
  if (first <= 0 || last === first || last === s.length - 1) return undefined;
  const actions = s
    .slice(last + 1)
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const name = s.slice(first + 1, last);
  if (!name || actions.length === 0) return undefined;
  return { type: s.slice(0, first), name, actions };
}

export function formatScope(sc: Scope): string {
  return `${sc.type}:${sc.name}:${[...new Set(sc.actions)].sort().join(',')}`;
}

export function repositoryScope(name: string, actions: string[]): Scope {
  return { type: 'repository', name, actions };
}

/**
 * Union of scope lists: actions on the same type+name are merged. The result is sorted so it
 * doubles as a token cache key.
 */
export function mergeScopes(...lists: Scope[][]): Scope[] {
  const by = new Map<string, Scope>();
  for (const list of lists) {
    for (const sc of list) {
      const key = `${sc.type}:${sc.name}`;
      const prev = by.get(key);
      if (prev) prev.actions = [...new Set([...prev.actions, ...sc.actions])].sort();
      else by.set(key, { type: sc.type, name: sc.name, actions: [...new Set(sc.actions)].sort() });
    }
  }
  return [...by.values()].sort((a, b) => (formatScope(a) < formatScope(b) ? -1 : 1));
}

/** Scopes a 401 asks for (Bearer error="insufficient_scope" scope="a b"), if any. */
export function insufficientScopes(challenges: AuthChallenge[]): Scope[] | undefined {
  for (const c of challenges) {
    if (c.scheme !== 'bearer' || c.params['error'] !== 'insufficient_scope' || !c.params['scope']) continue;
    const scopes = c.params['scope']
      .split(' ')
      .filter(Boolean)
      .map(parseScope)
      .filter((x): x is Scope => x !== undefined);
    if (scopes.length) return scopes;
  }
  return undefined;
}

export function scopeKey(scopes: Scope[]): string {
  return mergeScopes(scopes).map(formatScope).join(' ');
}
