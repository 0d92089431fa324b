/**
 * The lexer: template text → tokens (text, action delimiters, and the items inside actions), as
 * Go's text/template/parse lexes. A lexical error ends the tokens with an `error` token, as Go's
 * lexer emits one: the parser reports it when it gets there, so an earlier parse error wins (as
 * in Go, `{{)}}` is `unexpected ")" in command`).
 */

type TokKind =
  | 'text'
  | 'ldelim'
  | 'rdelim'
  | 'space'
  | 'field'
  | 'ident'
  | 'var'
  | 'dot'
  | 'bool'
  | 'number'
  | 'charconst'
  | 'string'
  | 'rawstring'
  | 'pipe'
  | 'lparen'
  | 'rparen'
  | 'declare'
  | 'assign'
  | 'char'
  | 'keyword'
  | 'nil'
  | 'error'
  | 'eof';

export interface Tok {
  k: TokKind;
  v: string;
  pos: number;
}

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);

function isSpaceCh(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

const ALNUM_RE = /[\p{L}\p{Nd}_]/u;

function isAlnumAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (Number.isNaN(c)) return false;
  if (c < 128) {
    return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  }
  const cp = s.codePointAt(i)!;
  return ALNUM_RE.test(String.fromCodePoint(cp));
}

function charLenAt(s: string, i: number): number {
  const cp = s.codePointAt(i);
  return cp !== undefined && cp > 0xffff ? 2 : 1;
}

function trimLeftSpace(s: string): string {
  let i = 0;
  while (i < s.length && isSpaceCh(s[i])) i++;
  return s.slice(i);
}

function trimRightSpace(s: string): string {
  let i = s.length;
  while (i > 0 && isSpaceCh(s[i - 1])) i--;
  return s.slice(0, i);
}

export function lineOf(src: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < src.length; i++) if (src.charCodeAt(i) === 10) line++;
  return line;
}

/** Thrown inside lex() to stop at a lexical error (it becomes the last token). */
class LexError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

function describeChar(s: string, i: number): string {
  const cp = s.codePointAt(i) ?? 0;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return `U+${hex} '${String.fromCodePoint(cp)}'`;
}

export function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  try {
    lexInto(src, toks);
  } catch (e) {
    if (!(e instanceof LexError)) throw e;
    toks.push({ k: 'error', v: e.message, pos: e.pos });
  }
  return toks;
}

function lexInto(src: string, toks: Tok[]): void {
  const n = src.length;
  let pos = 0;
  let trimNext = false;
  const err = (at: number, msg: string): never => {
    throw new LexError(msg, at);
  };

  while (pos <= n) {
    const idx = src.indexOf('{{', pos);
    let text = src.slice(pos, idx < 0 ? n : idx);
    if (trimNext) {
      text = trimLeftSpace(text);
      trimNext = false;
    }
    if (idx < 0) {
      if (text) toks.push({ k: 'text', v: text, pos });
      break;
    }
    let p = idx + 2;
    const leftTrim = src[p] === '-' && isSpaceCh(src[p + 1]);
    if (leftTrim) {
      text = trimRightSpace(text);
      p += 2;
    }
    if (text) toks.push({ k: 'text', v: text, pos });

    // Comment: {{/* ... */}} with optional trim markers.
    if (src.startsWith('/*', p)) {
      const close = src.indexOf('*/', p + 2);
      if (close < 0) err(idx, 'unclosed comment');
      let q = close + 2;
      if (isSpaceCh(src[q]) && src[q + 1] === '-' && src.startsWith('}}', q + 2)) {
        trimNext = true;
        q += 4;
      } else if (src.startsWith('}}', q)) {
        q += 2;
      } else {
        err(idx, 'comment ends before closing delimiter');
      }
      pos = q;
      continue;
    }

    toks.push({ k: 'ldelim', v: '{{', pos: idx });
    let depth = 0;
    // Inside an action.
    for (;;) {
      if (isSpaceCh(src[p]) && src[p + 1] === '-' && src.startsWith('}}', p + 2)) {
        if (depth > 0) err(p, 'unclosed left paren');
        toks.push({ k: 'rdelim', v: '}}', pos: p });
        trimNext = true;
        p += 4;
        break;
      }
      if (src.startsWith('}}', p)) {
        if (depth > 0) err(p, 'unclosed left paren');
        toks.push({ k: 'rdelim', v: '}}', pos: p });
        p += 2;
        break;
      }
      if (p >= n) err(idx, 'unclosed action');
      const c = src[p];
      if (isSpaceCh(c)) {
        let q = p;
        while (q < n && isSpaceCh(src[q])) q++;
        // The last space before "-}}" belongs to the trim marker.
        if (src[q] === '-' && src.startsWith('}}', q + 1)) {
          q--;
          if (q === p) continue;
        }
        toks.push({ k: 'space', v: src.slice(p, q), pos: p });
        p = q;
        continue;
      }
      const atTerminator = (q: number): boolean => {
        if (q >= n) return true;
        const r = src[q];
        if (isSpaceCh(r)) return true;
        if (r === '.' || r === ',' || r === '|' || r === ':' || r === ')' || r === '(') return true;
        return src.startsWith('}}', q);
      };
      switch (c) {
        case ':':
          if (src[p + 1] !== '=') err(p, 'expected :=');
          toks.push({ k: 'declare', v: ':=', pos: p });
          p += 2;
          continue;
        case '=':
          toks.push({ k: 'assign', v: '=', pos: p });
          p += 1;
          continue;
        case '|':
          toks.push({ k: 'pipe', v: '|', pos: p });
          p += 1;
          continue;
        case '"':
        case "'": {
          let q = p + 1;
          for (;;) {
            if (q >= n || src[q] === '\n') {
              err(p, c === '"' ? 'unterminated quoted string' : 'unterminated character constant');
            }
            if (src[q] === '\\') {
              q++;
              if (q >= n || src[q] === '\n') {
                err(p, c === '"' ? 'unterminated quoted string' : 'unterminated character constant');
              }
              q++;
              continue;
            }
            if (src[q] === c) break;
            q++;
          }
          toks.push({ k: c === '"' ? 'string' : 'charconst', v: src.slice(p, q + 1), pos: p });
          p = q + 1;
          continue;
        }
        case '`': {
          const q = src.indexOf('`', p + 1);
          if (q < 0) err(p, 'unterminated raw quoted string');
          toks.push({ k: 'rawstring', v: src.slice(p, q + 1), pos: p });
          p = q + 1;
          continue;
        }
        case '$': {
          let q = p + 1;
          if (!atTerminator(q)) {
            while (q < n && isAlnumAt(src, q)) q += charLenAt(src, q);
            if (!atTerminator(q)) err(q, `bad character ${describeChar(src, q)}`);
          }
          toks.push({ k: 'var', v: src.slice(p, q), pos: p });
          p = q;
          continue;
        }
        case '(':
          toks.push({ k: 'lparen', v: '(', pos: p });
          depth++;
          p++;
          continue;
        case ')':
          // as Go's lexer: the paren is emitted before the error
          toks.push({ k: 'rparen', v: ')', pos: p });
          depth--;
          if (depth < 0) err(p, "unexpected right paren U+0029 ')'");
          p++;
          continue;
        default:
          break;
      }
      if (c === '.' && !(src[p + 1] >= '0' && src[p + 1] <= '9')) {
        let q = p + 1;
        if (atTerminator(q)) {
          toks.push({ k: 'dot', v: '.', pos: p });
          p = q;
          continue;
        }
        while (q < n && isAlnumAt(src, q)) q += charLenAt(src, q);
        if (!atTerminator(q)) err(q, `bad character ${describeChar(src, q)}`);
        toks.push({ k: 'field', v: src.slice(p, q), pos: p });
        p = q;
        continue;
      }
      if (c === '.' || c === '+' || c === '-' || (c >= '0' && c <= '9')) {
        const q = scanNumber(src, p);
        if (q < 0) {
          let e = p + 1;
          while (e < n && (isAlnumAt(src, e) || src[e] === '.')) e++;
          err(p, `bad number syntax: ${JSON.stringify(src.slice(p, e))}`);
        }
        toks.push({ k: 'number', v: src.slice(p, q), pos: p });
        p = q;
        continue;
      }
      if (isAlnumAt(src, p)) {
        let q = p;
        while (q < n && isAlnumAt(src, q)) q += charLenAt(src, q);
        if (!atTerminator(q)) err(q, `bad character ${describeChar(src, q)}`);
        const word = src.slice(p, q);
        let k: TokKind = 'ident';
        if (KEYWORDS.has(word)) k = 'keyword';
        else if (word === 'true' || word === 'false') k = 'bool';
        else if (word === 'nil') k = 'nil';
        toks.push({ k, v: word, pos: p });
        p = q;
        continue;
      }
      const code = src.charCodeAt(p);
      if (code > 32 && code < 127) {
        toks.push({ k: 'char', v: c, pos: p });
        p++;
        continue;
      }
      err(p, `unrecognized character in action: ${describeChar(src, p)}`);
    }
    pos = p;
  }
  toks.push({ k: 'eof', v: '', pos: n });
}

/** Scans a Go number literal at p; returns the end offset or -1 on bad syntax. */
function scanNumber(s: string, p: number): number {
  let q = p;
  const accept = (set: string): boolean => {
    if (q < s.length && set.includes(s[q])) {
      q++;
      return true;
    }
    return false;
  };
  const run = (set: string): void => {
    while (q < s.length && set.includes(s[q])) q++;
  };
  accept('+-');
  let digits = '0123456789_';
  if (accept('0')) {
    if (accept('xX')) digits = '0123456789abcdefABCDEF_';
    else if (accept('oO')) digits = '01234567_';
    else if (accept('bB')) digits = '01_';
  }
  run(digits);
  if (accept('.')) run(digits);
  if (digits.length === 11 && accept('eE')) {
    accept('+-');
    run('0123456789_');
  }
  if (digits.length === 23 && accept('pP')) {
    accept('+-');
    run('0123456789_');
  }
  accept('i');
  if (q < s.length && (isAlnumAt(s, q) || s[q] === '+' || s[q] === '-')) return -1;
  return q;
}
