/**
 * A Go `text/template` interpreter for podman-compatible `--format` output.
 *
 * Templates are compiled once to an AST (`compileTemplate(src)`) and executed many
 * times (`template.execute(data)`), so listing thousands of rows stays cheap.
 *
 * Supported: text, `{{ }}` actions, `{{-`/`-}}` trim markers, `{{/* comments *\/}}`,
 * `.`/`.Field`/`.A.B`/`$`/`$var.Field`, `(pipeline).Field`, pipelines `a | f b`,
 * function calls, string/raw-string/char/number/bool/nil literals, variable declaration
 * (`:=`) and assignment (`=`), `if`/`else if`/`else with`/`else`, `with`, `range` (with
 * one or two variables, `else`, `break`, `continue`), `define`/`template`/`block`.
 * Functions: Go's builtins (`and or not len index slice print printf println eq ne lt le
 * gt ge call html js urlquery`) plus podman's report functions (`join json lower pad split
 * title truncate upper`), plus any functions the caller adds.
 *
 * JavaScript values are mapped onto Go's model:
 *   - numbers that are integers behave like Go `int`, others like `float64`;
 *   - arrays behave like slices;
 *   - `Map` instances and objects with a null prototype behave like Go maps
 *     (a missing key yields "<no value>");
 *   - class instances behave like structs (missing field is an error); getters and
 *     prototype methods are evaluated like Go methods (`{{.Short 12}}` passes arguments),
 *     while an own property holding a function is a func-valued field (use `call`);
 *   - plain objects behave like structs when every key starts with an upper-case letter
 *     (Go's exported-field convention: `{ID, Repository}` rows), and like maps otherwise
 *     (`{"org.opencontainers.image.version": ...}` labels), so `{{.Labels.foo}}` on a label
 *     map prints "<no value>" as podman does while a typo such as `{{.Repo}}` on a row
 *     fails with the list of valid fields.
 *   - objects with their own `toString` (class instances, Date) print via it, like a Go
 *     Stringer; other objects print as `map[k:v …]` with sorted keys.
 * Every error is a one-line `BerthError('INVALID_ARGUMENT', 'template: ...')`; execution
 * errors name the failing action (`at <.Foo>`), parse errors the line.
 *
 * Known differences from Go: a JS number has no int/float distinction, so integral
 * floats print as integers (`{{1e6}}` → 1000000, Go: 1e+06) and `eq 1 1.0` is true;
 * `\xNN` escapes above 0x7f yield the code point U+00NN rather than a raw byte; JS
 * `null` is lenient (field access and `index` on it give nothing instead of a nil-pointer
 * error; `len` gives 0); string arguments of the podman functions accept numbers and
 * booleans (printed with %v) where Go would report a type error.
 */
import {
  BerthError, formatValue, goJSON as encodeJSON, goQuote, goSprint, goSprintf, goSprintln, goTypeName, isArrayLike, isPrintRune,
  isStringer, isStructLike, mapEntries, runeCount, sortedKeys, type GoJSONOptions,
} from '../../src/index.js';

export { formatValue, goQuote, goSprintf };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TemplateFunc = (...args: any[]) => unknown;
export type FuncMap = Record<string, TemplateFunc>;

export interface CompileOptions {
  /** Extra functions; they replace built-in ones of the same name (like podman's Funcs). */
  funcs?: FuncMap;
}

// ---------------------------------------------------------------------------------------
// Errors

function templateError(message: string, hint?: string): BerthError {
  return new BerthError('INVALID_ARGUMENT', `template: ${oneLine(message)}`, hint ? { hint } : {});
}

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').replace(/\t/g, ' ');
}

class ParseError extends Error {}

/** Internal execution failure; converted into a BerthError at the top of execute(). */
class ExecError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------
// Lexer

type TokKind =
  | 'text' | 'ldelim' | 'rdelim' | 'space' | 'field' | 'ident' | 'var' | 'dot' | 'bool'
  | 'number' | 'charconst' | 'string' | 'rawstring' | 'pipe' | 'lparen' | 'rparen'
  | 'declare' | 'assign' | 'char' | 'keyword' | 'nil' | 'eof';

interface Tok {
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

function lineOf(src: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < src.length; i++) if (src.charCodeAt(i) === 10) line++;
  return line;
}

function describeChar(s: string, i: number): string {
  const cp = s.codePointAt(i) ?? 0;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return `U+${hex} '${String.fromCodePoint(cp)}'`;
}

function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  const n = src.length;
  let pos = 0;
  let trimNext = false;
  const err = (at: number, msg: string): never => {
    throw new ParseError(`line ${lineOf(src, at)}: ${msg}`);
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
          depth--;
          if (depth < 0) err(p, "unexpected right paren U+0029 ')'");
          toks.push({ k: 'rparen', v: ')', pos: p });
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
  return toks;
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

// ---------------------------------------------------------------------------------------
// AST

interface FuncSpec {
  name: string;
  fn: TemplateFunc;
  min: number;
  max: number;
  lazy?: 'and' | 'or';
}

type Operand =
  | { k: 'field'; path: string[]; src: string }
  | { k: 'var'; name: string; path: string[]; src: string }
  | { k: 'dot'; src: string }
  | { k: 'nil'; src: string }
  | { k: 'ident'; spec: FuncSpec; src: string }
  | { k: 'lit'; value: unknown; src: string }
  | { k: 'pipe'; pipe: Pipe; src: string }
  | { k: 'chain'; base: Operand; path: string[]; src: string };

interface Command {
  args: Operand[];
  src: string;
}

interface Pipe {
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
  src: string;
}

type TNode =
  | { k: 'text'; text: string }
  | { k: 'action'; pipe: Pipe }
  | { k: 'if' | 'with' | 'range'; pipe: Pipe; list: TNode[]; elseList: TNode[] | null }
  | { k: 'break' }
  | { k: 'continue' }
  | { k: 'template'; name: string; pipe: Pipe | null; src: string };

type Marker = { k: 'end' } | { k: 'else' };

// ---------------------------------------------------------------------------------------
// Parser

class Parser {
  private i = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  readonly defs = new Map<string, TNode[]>();

  constructor(
    private readonly src: string,
    private readonly toks: Tok[],
    private readonly funcs: Map<string, FuncSpec>,
  ) {}

  private error(msg: string, tok?: Tok): never {
    const at = tok ?? this.toks[Math.min(this.i, this.toks.length - 1)];
    throw new ParseError(`line ${lineOf(this.src, at.pos)}: ${msg}`);
  }

  private next(): Tok {
    return this.toks[this.i++];
  }

  private peek(): Tok {
    return this.toks[this.i];
  }

  private nextNonSpace(): Tok {
    let t = this.next();
    while (t.k === 'space') t = this.next();
    return t;
  }

  private peekNonSpace(): Tok {
    const t = this.nextNonSpace();
    this.i--;
    return t;
  }

  private describe(t: Tok): string {
    switch (t.k) {
      case 'eof': return 'EOF';
      case 'rdelim': return '"}}"';
      case 'ldelim': return '"{{"';
      case 'keyword': return `<${t.v}>`;
      case 'space': return 'space';
      default: return JSON.stringify(t.v.length > 10 ? `${t.v.slice(0, 10)}...` : t.v);
    }
  }

  private unexpected(t: Tok, context: string): never {
    this.error(`unexpected ${this.describe(t)} in ${context}`, t);
  }

  parse(): TNode[] {
    const root: TNode[] = [];
    while (this.peek().k !== 'eof') {
      if (this.peek().k === 'ldelim') {
        const save = this.i;
        this.next();
        const t = this.nextNonSpace();
        if (t.k === 'keyword' && t.v === 'define') {
          this.defineBody(this.parseDefinition('define'));
          continue;
        }
        this.i = save;
      }
      const n = this.textOrAction();
      if (n.k === 'end' || n.k === 'else') this.error(`unexpected {{${n.k}}}`);
      root.push(n);
    }
    return root;
  }

  private parseDefinition(context: string): string {
    const nameTok = this.nextNonSpace();
    const name = this.templateName(nameTok, context);
    if (context === 'define') {
      const t = this.nextNonSpace();
      if (t.k !== 'rdelim') this.unexpected(t, 'define clause');
    }
    return name;
  }

  private defineBody(name: string): void {
    const savedVars = this.vars;
    const savedDepth = this.rangeDepth;
    this.vars = ['$'];
    this.rangeDepth = 0;
    const [list, end] = this.itemList();
    if (end.k !== 'end') this.error('unexpected {{else}} in template definition');
    this.vars = savedVars;
    this.rangeDepth = savedDepth;
    this.defs.set(name, list);
  }

  private templateName(t: Tok, context: string): string {
    if (t.k === 'string' || t.k === 'rawstring') return this.unquote(t);
    this.unexpected(t, `${context} clause`);
  }

  private itemList(): [TNode[], Marker] {
    const list: TNode[] = [];
    while (this.peekNonSpace().k !== 'eof') {
      const n = this.textOrAction();
      if (n.k === 'end' || n.k === 'else') return [list, n];
      list.push(n);
    }
    this.error('unexpected EOF');
  }

  private textOrAction(): TNode | Marker {
    const t = this.nextNonSpace();
    if (t.k === 'text') return { k: 'text', text: t.v };
    if (t.k === 'ldelim') return this.action();
    this.unexpected(t, 'input');
  }

  private action(): TNode | Marker {
    const t = this.nextNonSpace();
    if (t.k === 'keyword') {
      switch (t.v) {
        case 'block': return this.blockControl();
        case 'break': return this.loopControl('break', t);
        case 'continue': return this.loopControl('continue', t);
        case 'else': return this.elseControl();
        case 'end': {
          const r = this.nextNonSpace();
          if (r.k !== 'rdelim') this.unexpected(r, 'end');
          return { k: 'end' };
        }
        case 'if': return this.control('if');
        case 'range': return this.control('range');
        case 'with': return this.control('with');
        case 'template': return this.templateControl();
        case 'define': this.error('unexpected <define> in command: define is only allowed at the top level', t);
      }
    }
    this.i--;
    return { k: 'action', pipe: this.pipeline('command', 'rdelim') };
  }

  private loopControl(kind: 'break' | 'continue', t: Tok): TNode {
    const r = this.nextNonSpace();
    if (r.k !== 'rdelim') this.unexpected(r, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.error(`{{${kind}}} outside {{range}}`, t);
    return { k: kind };
  }

  private elseControl(): Marker {
    const p = this.peekNonSpace();
    if (p.k === 'keyword' && (p.v === 'if' || p.v === 'with')) return { k: 'else' };
    const r = this.nextNonSpace();
    if (r.k !== 'rdelim') this.unexpected(r, 'else');
    return { k: 'else' };
  }

  private control(context: 'if' | 'with' | 'range'): TNode {
    const mark = this.vars.length;
    const pipe = this.pipeline(context, 'rdelim');
    if (context === 'range') this.rangeDepth++;
    const [list, next] = this.itemList();
    if (context === 'range') this.rangeDepth--;
    let elseList: TNode[] | null = null;
    if (next.k === 'else') {
      const p = this.peek();
      if (context === 'if' && p.k === 'keyword' && p.v === 'if') {
        this.next();
        elseList = [this.control('if')];
      } else if (context === 'with' && p.k === 'keyword' && p.v === 'with') {
        this.next();
        elseList = [this.control('with')];
      } else {
        const [l, end] = this.itemList();
        if (end.k !== 'end') this.error('expected end; found {{else}}');
        elseList = l;
      }
    }
    this.vars.length = mark;
    return { k: context, pipe, list, elseList };
  }

  private templateControl(): TNode {
    const name = this.templateName(this.nextNonSpace(), 'template');
    let pipe: Pipe | null = null;
    if (this.peekNonSpace().k !== 'rdelim') {
      pipe = this.pipeline('template', 'rdelim');
    } else {
      this.nextNonSpace();
    }
    return { k: 'template', name, pipe, src: `template ${JSON.stringify(name)}` };
  }

  private blockControl(): TNode {
    const name = this.templateName(this.nextNonSpace(), 'block');
    const pipe = this.pipeline('block', 'rdelim');
    this.defineBody(name);
    return { k: 'template', name, pipe, src: `block ${JSON.stringify(name)}` };
  }

  private pipeline(context: string, end: 'rdelim' | 'rparen'): Pipe {
    const pipe: Pipe = { decl: [], isAssign: false, cmds: [], src: '' };
    const startTok = this.peekNonSpace();
    // Declarations: $x := / $x = / $i, $e :=
    for (;;) {
      const v = this.peekNonSpace();
      if (v.k !== 'var') break;
      const save = this.i;
      this.nextNonSpace();
      const nx = this.peekNonSpace();
      if (nx.k === 'declare' || nx.k === 'assign') {
        this.nextNonSpace();
        pipe.isAssign = nx.k === 'assign';
        if (pipe.isAssign && !this.vars.includes(v.v)) this.error(`undefined variable "${v.v}"`, v);
        pipe.decl.push(v.v);
        this.vars.push(v.v);
        break;
      }
      if (nx.k === 'char' && nx.v === ',') {
        this.nextNonSpace();
        pipe.decl.push(v.v);
        this.vars.push(v.v);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace();
          if (p.k === 'var' || p.k === 'rdelim' || p.k === 'rparen') continue;
          this.error('range can only initialize variables', p);
        }
        this.error(`too many declarations in ${context}`, nx);
      }
      this.i = save;
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.k === end) {
        if (pipe.cmds.length === 0) this.error(`missing value for ${context}`, t);
        for (let j = 1; j < pipe.cmds.length; j++) {
          const a = pipe.cmds[j].args[0];
          if (a.k === 'lit' || a.k === 'dot' || a.k === 'nil') {
            this.error(`non executable command in pipeline stage ${j + 1}`, t);
          }
        }
        pipe.src = this.src.slice(startTok.pos, t.pos).trim();
        return pipe;
      }
      switch (t.k) {
        case 'bool': case 'charconst': case 'dot': case 'field': case 'ident': case 'number':
        case 'nil': case 'rawstring': case 'string': case 'var': case 'lparen':
          this.i--;
          pipe.cmds.push(this.command());
          break;
        default:
          if (end === 'rparen' && t.k === 'rdelim') this.error('unclosed left paren', t);
          this.unexpected(t, context);
      }
    }
  }

  private command(): Command {
    const first = this.peekNonSpace();
    const args: Operand[] = [];
    let endPos = first.pos;
    for (;;) {
      this.peekNonSpace();
      const op = this.operand();
      if (op) {
        args.push(op);
        const last = this.toks[this.i - 1];
        endPos = last.pos + last.v.length;
      }
      const t = this.next();
      if (t.k === 'space') continue;
      if (t.k === 'rdelim' || t.k === 'rparen') {
        this.i--;
      } else if (t.k !== 'pipe') {
        this.unexpected(t, 'operand');
      }
      break;
    }
    if (args.length === 0) this.error('empty command', first);
    return { args, src: this.src.slice(first.pos, endPos) };
  }

  private operand(): Operand | null {
    const start = this.peek();
    const node = this.term();
    if (!node) return null;
    if (this.peek().k === 'field') {
      const path: string[] = [];
      while (this.peek().k === 'field') path.push(this.next().v.slice(1));
      const last = this.toks[this.i - 1];
      const src = this.src.slice(start.pos, last.pos + last.v.length);
      switch (node.k) {
        case 'field':
          return { k: 'field', path: [...node.path, ...path], src };
        case 'var':
          return { k: 'var', name: node.name, path: [...node.path, ...path], src };
        case 'lit': case 'nil': case 'dot':
          this.error(`unexpected . after term ${JSON.stringify(node.src)}`);
        default:
          return { k: 'chain', base: node, path, src };
      }
    }
    return node;
  }

  private term(): Operand | null {
    const t = this.nextNonSpace();
    switch (t.k) {
      case 'ident': {
        const spec = this.funcs.get(t.v);
        if (!spec) {
          throw new ParseError(`line ${lineOf(this.src, t.pos)}: function "${t.v}" not defined`);
        }
        return { k: 'ident', spec, src: t.v };
      }
      case 'dot':
        return { k: 'dot', src: '.' };
      case 'nil':
        return { k: 'nil', src: 'nil' };
      case 'var': {
        if (!this.vars.includes(t.v)) this.error(`undefined variable "${t.v}"`, t);
        return { k: 'var', name: t.v, path: [], src: t.v };
      }
      case 'field':
        return { k: 'field', path: [t.v.slice(1)], src: t.v };
      case 'bool':
        return { k: 'lit', value: t.v === 'true', src: t.v };
      case 'number':
        return { k: 'lit', value: this.parseNumber(t), src: t.v };
      case 'charconst':
        return { k: 'lit', value: this.parseChar(t), src: t.v };
      case 'string':
      case 'rawstring':
        return { k: 'lit', value: this.unquote(t), src: t.v };
      case 'lparen': {
        const pipe = this.pipeline('parenthesized pipeline', 'rparen');
        const close = this.toks[this.i - 1];
        return { k: 'pipe', pipe, src: this.src.slice(t.pos, close.pos + 1) };
      }
      default:
        this.i--;
        return null;
    }
  }

  private parseNumber(t: Tok): number {
    let s = t.v;
    if (s.endsWith('i')) this.error(`complex numbers are not supported: ${s}`, t);
    let sign = 1;
    if (s[0] === '+' || s[0] === '-') {
      if (s[0] === '-') sign = -1;
      s = s.slice(1);
    }
    const bad = (): never => this.error(`illegal number syntax: ${JSON.stringify(t.v)}`, t);
    if (s.includes('_')) {
      if (/^_|_$|__|_\.|\._|_[eEpP]|[eEpP][+-]?_/.test(s)) bad();
      s = s.replace(/_/g, '');
    }
    let v: number;
    if (/^0[xX][0-9a-fA-F]+$/.test(s)) v = Number.parseInt(s.slice(2), 16);
    else if (/^0[oO][0-7]+$/.test(s)) v = Number.parseInt(s.slice(2), 8);
    else if (/^0[bB][01]+$/.test(s)) v = Number.parseInt(s.slice(2), 2);
    else if (/^0[0-7]+$/.test(s)) v = Number.parseInt(s.slice(1), 8);
    else if (/^[0-9]+$/.test(s)) v = Number.parseInt(s, 10);
    else if (/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(s)) v = Number.parseFloat(s);
    else bad();
    return sign * v!;
  }

  private parseChar(t: Tok): number {
    const body = t.v.slice(1, -1);
    const [cp, used] = unescapeOne(body, 0, "'") ?? this.error(`malformed character constant: ${t.v}`, t);
    if (used !== body.length) this.error(`malformed character constant: ${t.v}`, t);
    return cp;
  }

  private unquote(t: Tok): string {
    if (t.k === 'rawstring') return t.v.slice(1, -1).replace(/\r/g, '');
    const body = t.v.slice(1, -1);
    let out = '';
    let i = 0;
    while (i < body.length) {
      const r = unescapeOne(body, i, '"');
      if (!r) this.error(`invalid syntax in string ${t.v}`, t);
      out += String.fromCodePoint(r[0]);
      i = r[1];
    }
    return out;
  }
}

/** Decodes one (possibly escaped) character of a Go quoted literal; returns [codePoint, nextIndex]. */
function unescapeOne(s: string, i: number, quote: string): [number, number] | null {
  if (i >= s.length) return null;
  const c = s[i];
  if (c !== '\\') {
    if (c === quote) return null;
    const cp = s.codePointAt(i)!;
    return [cp, i + (cp > 0xffff ? 2 : 1)];
  }
  const e = s[i + 1];
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
  if (e in simple) return [simple[e], i + 2];
  if (e === quote) return [quote.charCodeAt(0), i + 2];
  const hex = (len: number): [number, number] | null => {
    const h = s.slice(i + 2, i + 2 + len);
    if (h.length !== len || !/^[0-9a-fA-F]+$/.test(h)) return null;
    const v = Number.parseInt(h, 16);
    if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff && len > 2)) return null;
    return [v, i + 2 + len];
  };
  if (e === 'x') return hex(2);
  if (e === 'u') return hex(4);
  if (e === 'U') return hex(8);
  if (e >= '0' && e <= '7') {
    const o = s.slice(i + 1, i + 4);
    if (!/^[0-7]{3}$/.test(o)) return null;
    const v = Number.parseInt(o, 8);
    if (v > 255) return null;
    return [v, i + 4];
  }
  return null;
}

// ---------------------------------------------------------------------------------------
// Value model helpers (Go semantics over JS values)

const MISSING: unique symbol = Symbol('missing');
const NOT_FOUND: unique symbol = Symbol('not found');
const hasOwn = Object.prototype.hasOwnProperty;

type Obj = Record<string, unknown>;

/** Own or prototype (excluding Object.prototype) property lookup. */
function getProp(o: object, name: string): unknown {
  if (hasOwn.call(o, name)) return (o as Obj)[name];
  if (name === 'constructor') return NOT_FOUND;
  let p = Object.getPrototypeOf(o);
  while (p !== null && p !== Object.prototype) {
    if (hasOwn.call(p, name)) return (o as Obj)[name];
    p = Object.getPrototypeOf(p);
  }
  return NOT_FOUND;
}

function isNativeProto(p: object): boolean {
  const ctor = (p as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' && Function.prototype.toString.call(ctor).includes('[native code]');
}

function fieldNames(o: object): string[] {
  const names = new Set<string>(Object.keys(o));
  let p = Object.getPrototypeOf(o);
  while (p !== null && p !== Object.prototype && !isNativeProto(p)) {
    for (const k of Object.getOwnPropertyNames(p)) if (k !== 'constructor') names.add(k);
    p = Object.getPrototypeOf(p);
  }
  return [...names];
}

/** Go truthiness: false, 0, "", nil, and empty slices/maps are false. */
export function isTrue(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  switch (typeof v) {
    case 'boolean': return v;
    case 'number': return v !== 0;
    case 'bigint': return v !== 0n;
    case 'string': return v.length > 0;
    case 'function': return true;
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

// ---------------------------------------------------------------------------------------
// Built-in and podman functions

function wantString(v: unknown, what = 'string'): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return formatValue(v);
  if (v === null || v === undefined) throw new Error(`invalid value; expected ${what}`);
  if (typeof v === 'object' && isStringer(v)) return String(v);
  throw new Error(`wrong type for value; expected ${what}; got ${goTypeName(v)}`);
}

function wantInt(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  if (v === null || v === undefined) throw new Error('invalid value; expected int');
  throw new Error(`wrong type for value; expected int; got ${goTypeName(v)}`);
}

function mapRunes(s: string, f: (ch: string) => string): string {
  let out = '';
  for (const ch of s) {
    const m = f(ch);
    out += runeCount(m) === 1 ? m : ch;
  }
  return out;
}

function goUpper(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s.toUpperCase() : mapRunes(s, (c) => c.toUpperCase());
}

function goLower(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s.toLowerCase() : mapRunes(s, (c) => c.toLowerCase());
}

const LETTER_DIGIT_RE = /^[\p{L}\p{Nd}]$/u;
const SPACE_RE = /^\s$/u;

/** strings.Title: upper-cases the first letter of each word. */
function goTitle(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    let sep: boolean;
    if (prev.codePointAt(0)! <= 0x7f) sep = !/[0-9A-Za-z_]/.test(prev);
    else sep = !LETTER_DIGIT_RE.test(prev) && SPACE_RE.test(prev);
    out += sep ? mapRunes(ch, (c) => c.toUpperCase()) : ch;
    prev = ch;
  }
  return out;
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function builtinLen(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'string') return utf8Length(v);
  if (isArrayLike(v)) return v.length;
  if (v instanceof Map || v instanceof Set) return v.size;
  if (typeof v === 'object' && !isStringer(v)) return Object.keys(v).length;
  throw new Error(`len of type ${goTypeName(v)}`);
}

function zeroOfMap(o: object): unknown {
  const values = o instanceof Map ? [...o.values()] : Object.values(o);
  return values.every((x) => typeof x === 'string') ? '' : null;
}

function builtinIndex(item: unknown, ...indices: unknown[]): unknown {
  let v = item;
  for (const idx of indices) {
    if (v === null || v === undefined) {
      // A nil map yields the zero value (podman label maps are string maps).
      return '';
    }
    if (typeof v === 'string' || isArrayLike(v)) {
      if (typeof idx !== 'number' || !Number.isInteger(idx)) {
        throw new Error(`cannot index slice/array with type ${goTypeName(idx)}`);
      }
      if (typeof v === 'string') {
        const bytes = Buffer.from(v, 'utf8');
        if (idx < 0 || idx >= bytes.length) throw new Error(`index out of range: ${idx}`);
        v = bytes[idx];
      } else {
        if (idx < 0 || idx >= v.length) throw new Error(`index out of range: ${idx}`);
        v = v[idx];
      }
      continue;
    }
    if (typeof v === 'object') {
      if (v instanceof Map) {
        v = v.has(idx) ? v.get(idx) : zeroOfMap(v);
        continue;
      }
      if (typeof idx !== 'string' && typeof idx !== 'number') {
        throw new Error(`value has type ${goTypeName(idx)}; should be string`);
      }
      const key = String(idx);
      v = hasOwn.call(v, key) ? (v as Obj)[key] : zeroOfMap(v);
      continue;
    }
    throw new Error(`can't index item of type ${goTypeName(v)}`);
  }
  return v;
}

function builtinSlice(item: unknown, ...indices: unknown[]): unknown {
  if (indices.length > 3) throw new Error(`too many slice indexes: ${indices.length}`);
  const idx = indices.map((x) => {
    if (typeof x !== 'number' || !Number.isInteger(x)) throw new Error(`cannot index slice/array with type ${goTypeName(x)}`);
    return x;
  });
  if (typeof item === 'string') {
    if (idx.length === 3) throw new Error('cannot 3-index slice a string');
    const bytes = Buffer.from(item, 'utf8');
    const lo = idx[0] ?? 0;
    const hi = idx[1] ?? bytes.length;
    if (lo < 0 || lo > bytes.length) throw new Error(`index out of range: ${lo}`);
    if (hi < lo || hi > bytes.length) throw new Error(`index out of range: ${hi}`);
    return bytes.subarray(lo, hi).toString('utf8');
  }
  if (isArrayLike(item)) {
    const arr = Array.from(item);
    const cap = idx.length === 3 ? idx[2] : arr.length;
    const lo = idx[0] ?? 0;
    const hi = idx[1] ?? arr.length;
    if (cap < 0 || cap > arr.length) throw new Error(`index out of range: ${cap}`);
    if (lo < 0 || lo > cap) throw new Error(`index out of range: ${lo}`);
    if (hi < lo || hi > cap) throw new Error(`index out of range: ${hi}`);
    return arr.slice(lo, hi);
  }
  if (item === null || item === undefined) throw new Error('slice of untyped nil');
  throw new Error(`can't slice item of type ${goTypeName(item)}`);
}

function compareKind(v: unknown): 'bool' | 'num' | 'string' | 'nil' | 'other' {
  if (v === null || v === undefined) return 'nil';
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'number': case 'bigint': return 'num';
    case 'string': return 'string';
    default: return 'other';
  }
}

function builtinEq(a: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const ka = compareKind(a);
  for (const b of rest) {
    const kb = compareKind(b);
    let truth: boolean;
    if (ka !== kb) {
      if (ka !== 'nil' && kb !== 'nil') throw new Error('incompatible types for comparison');
      truth = false;
    } else if (ka === 'other') {
      if (isArrayLike(a) || isArrayLike(b) || a instanceof Map || b instanceof Map || typeof a === 'function') {
        throw new Error(`non-comparable type ${goTypeName(a)}`);
      }
      truth = a === b;
    } else if (ka === 'num') {
      // eslint-disable-next-line eqeqeq
      truth = a == b;
    } else {
      truth = ka === 'nil' ? true : a === b;
    }
    if (truth) return true;
  }
  return false;
}

function builtinLt(a: unknown, b: unknown): boolean {
  const ka = compareKind(a);
  const kb = compareKind(b);
  if (ka === 'nil' || ka === 'other' || kb === 'nil' || kb === 'other') throw new Error('invalid type for comparison');
  if (ka !== kb) throw new Error('incompatible types for comparison');
  if (ka === 'bool') throw new Error('invalid type for comparison');
  return (a as number | string) < (b as number | string);
}

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => {
    switch (c) {
      case '"': return '&#34;';
      case "'": return '&#39;';
      case '&': return '&amp;';
      case '<': return '&lt;';
      case '>': return '&gt;';
      default: return '\uFFFD';
    }
  });
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '\\': out += '\\\\'; continue;
      case "'": out += "\\'"; continue;
      case '"': out += '\\"'; continue;
      case '<': out += '\\u003C'; continue;
      case '>': out += '\\u003E'; continue;
      case '&': out += '\\u0026'; continue;
      case '=': out += '\\u003D'; continue;
    }
    if (cp < 0x20) out += `\\u00${cp.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (cp < 0x80 || isPrintRune(ch) || ch === ' ') out += ch;
    else out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out;
}

function urlQueryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function evalArgsString(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return goSprint(args);
}

const INF = Number.POSITIVE_INFINITY;

function spec(name: string, fn: TemplateFunc, min: number, max: number): FuncSpec {
  return { name, fn, min, max };
}

const BUILTIN_SPECS: FuncSpec[] = [
  { name: 'and', fn: () => undefined, min: 1, max: INF, lazy: 'and' },
  { name: 'or', fn: () => undefined, min: 1, max: INF, lazy: 'or' },
  spec('not', (v: unknown) => !isTrue(v), 1, 1),
  spec('len', builtinLen, 1, 1),
  spec('index', builtinIndex, 1, INF),
  spec('slice', builtinSlice, 1, INF),
  spec('print', (...a: unknown[]) => goSprint(a), 0, INF),
  spec('println', (...a: unknown[]) => goSprintln(a), 0, INF),
  spec('printf', (f: unknown, ...a: unknown[]) => goSprintf(wantString(f), a), 1, INF),
  spec('eq', builtinEq, 1, INF),
  spec('ne', (a: unknown, b: unknown) => !builtinEq(a, b), 2, 2),
  spec('lt', builtinLt, 2, 2),
  spec('le', (a: unknown, b: unknown) => builtinLt(a, b) || builtinEq(a, b), 2, 2),
  spec('gt', (a: unknown, b: unknown) => !(builtinLt(a, b) || builtinEq(a, b)), 2, 2),
  spec('ge', (a: unknown, b: unknown) => !builtinLt(a, b), 2, 2),
  spec(
    'call',
    (f: unknown, ...a: unknown[]) => {
      if (typeof f !== 'function') throw new Error(`non-function of type ${goTypeName(f)}`);
      return (f as TemplateFunc)(...a);
    },
    1,
    INF,
  ),
  spec('html', (...a: unknown[]) => htmlEscape(evalArgsString(a)), 0, INF),
  spec('js', (...a: unknown[]) => jsEscape(evalArgsString(a)), 0, INF),
  spec('urlquery', (...a: unknown[]) => urlQueryEscape(evalArgsString(a)), 0, INF),
  // podman (containers/common pkg/report) functions
  spec(
    'join',
    (list: unknown, sep: unknown) => {
      const s = wantString(sep);
      if (list === null || list === undefined) return '';
      if (!isArrayLike(list)) throw new Error(`wrong type for value; expected []string; got ${goTypeName(list)}`);
      return Array.from(list, (x) => wantString(x)).join(s);
    },
    2,
    2,
  ),
  spec('json', (v: unknown) => goJSON(v), 1, 1),
  spec('lower', (s: unknown) => goLower(wantString(s)), 1, 1),
  spec(
    'pad',
    (s: unknown, left: unknown, right: unknown) => {
      const str = wantString(s);
      const l = wantInt(left);
      const r = wantInt(right);
      if (str === '') return str;
      if (l < 0 || r < 0) throw new Error('strings: negative Repeat count');
      return ' '.repeat(l) + str + ' '.repeat(r);
    },
    3,
    3,
  ),
  spec(
    'split',
    (s: unknown, sep: unknown) => {
      const str = wantString(s);
      const sp = wantString(sep);
      return sp === '' ? Array.from(str) : str.split(sp);
    },
    2,
    2,
  ),
  spec('title', (s: unknown) => goTitle(wantString(s)), 1, 1),
  spec(
    'truncate',
    (s: unknown, n: unknown) => {
      const str = wantString(s);
      const len = wantInt(n);
      if (len < 0) throw new Error(`slice bounds out of range [:${len}]`);
      const runes = Array.from(str);
      return runes.length < len ? str : runes.slice(0, len).join('');
    },
    2,
    2,
  ),
  spec('upper', (s: unknown) => goUpper(wantString(s)), 1, 1),
];

/** Names of the functions every template can use (Go builtins + podman's report funcs). */
export const BUILTIN_FUNCTIONS: readonly string[] = BUILTIN_SPECS.map((s) => s.name).sort();

function buildFuncTable(extra?: FuncMap): Map<string, FuncSpec> {
  const m = new Map<string, FuncSpec>();
  for (const s of BUILTIN_SPECS) m.set(s.name, s);
  if (extra) {
    for (const [name, fn] of Object.entries(extra)) m.set(name, { name, fn, min: 0, max: INF });
  }
  return m;
}

const DEFAULT_FUNCS = buildFuncTable();

// ---------------------------------------------------------------------------------------
// Execution

const enum Ctl {
  Normal = 0,
  Break = 1,
  Continue = 2,
}

const MAX_TEMPLATE_DEPTH = 1000;

interface Var {
  name: string;
  value: unknown;
}

class Executor {
  out = '';
  vars: Var[];
  depth = 0;

  constructor(
    private readonly defs: ReadonlyMap<string, TNode[]>,
    data: unknown,
  ) {
    this.vars = [{ name: '$', value: data }];
  }

  walk(dot: unknown, nodes: readonly TNode[]): Ctl {
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      switch (node.k) {
        case 'text':
          this.out += node.text;
          break;
        case 'action': {
          const v = this.evalPipeline(dot, node.pipe);
          if (node.pipe.decl.length === 0) this.out += this.printable(v, node.pipe.src);
          break;
        }
        case 'if':
        case 'with': {
          const mark = this.vars.length;
          const v = this.evalPipeline(dot, node.pipe);
          let r = Ctl.Normal;
          if (isTrue(v)) r = this.walk(node.k === 'with' ? v : dot, node.list);
          else if (node.elseList) r = this.walk(dot, node.elseList);
          this.vars.length = mark;
          if (r !== Ctl.Normal) return r;
          break;
        }
        case 'range':
          this.walkRange(dot, node);
          break;
        case 'break':
          return Ctl.Break;
        case 'continue':
          return Ctl.Continue;
        case 'template': {
          const body = this.defs.get(node.name);
          if (!body) throw new ExecError(`no such template "${node.name}"`);
          if (++this.depth > MAX_TEMPLATE_DEPTH) throw new ExecError(`exceeded maximum template depth (${MAX_TEMPLATE_DEPTH})`);
          const newDot = node.pipe ? this.evalPipeline(dot, node.pipe) : undefined;
          const saved = this.vars;
          this.vars = [{ name: '$', value: newDot }];
          this.walk(newDot, body);
          this.vars = saved;
          this.depth--;
          break;
        }
      }
    }
    return Ctl.Normal;
  }

  private walkRange(dot: unknown, node: { pipe: Pipe; list: TNode[]; elseList: TNode[] | null }): void {
    const mark = this.vars.length;
    const val = this.evalPipeline(dot, node.pipe);
    const inner = this.vars.length;
    const decl = node.pipe.decl;
    const one = (index: unknown, elem: unknown): Ctl => {
      if (decl.length > 0) {
        if (node.pipe.isAssign) {
          if (decl.length > 1) this.setVar(decl[0], index);
          else this.setVar(decl[0], elem);
        } else {
          this.vars[this.vars.length - 1].value = elem;
        }
      }
      if (decl.length > 1) {
        if (node.pipe.isAssign) this.setVar(decl[1], elem);
        else this.vars[this.vars.length - 2].value = index;
      }
      const r = this.walk(elem, node.list);
      this.vars.length = inner;
      return r;
    };
    let count = 0;
    if (val === null || val === undefined) {
      // nil slice/map: no iterations
    } else if (isArrayLike(val)) {
      for (let i = 0; i < val.length; i++) {
        count++;
        if (one(i, val[i]) === Ctl.Break) break;
      }
    } else if (typeof val === 'number' || typeof val === 'bigint') {
      const n = Number(val);
      if (!Number.isInteger(n)) throw new ExecError(`range can't iterate over ${formatValue(val)}`);
      if (decl.length > 1) throw new ExecError(`can't use ${formatValue(val)} to iterate over more than one variable`);
      for (let i = 0; i < n; i++) {
        count++;
        if (one(i, i) === Ctl.Break) break;
      }
    } else if (typeof val === 'object' && (val instanceof Map || !isStringer(val)) && !(val instanceof Set)) {
      for (const [k, v] of mapEntries(val)) {
        count++;
        if (one(k, v) === Ctl.Break) break;
      }
    } else if (typeof val === 'object' && Symbol.iterator in (val as object)) {
      let i = 0;
      for (const v of val as Iterable<unknown>) {
        count++;
        if (one(i++, v) === Ctl.Break) break;
      }
    } else {
      throw new ExecError(`range can't iterate over ${formatValue(val)}`);
    }
    if (count === 0 && node.elseList) this.walk(dot, node.elseList);
    this.vars.length = mark;
  }

  private printable(v: unknown, src: string): string {
    if (typeof v === 'function') throw new ExecError(`at <${src}>: can't print ${src} of type func`);
    if (typeof v === 'string') return v;
    return formatValue(v);
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    throw new ExecError(`undefined variable: ${name}`);
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) return this.vars[i].value;
    }
    throw new ExecError(`undefined variable: ${name}`);
  }

  evalPipeline(dot: unknown, pipe: Pipe): unknown {
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    if (value === MISSING) value = undefined;
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, value);
      else this.vars.push({ name, value });
    }
    return value;
  }

  private notAFunction(args: readonly Operand[], final: unknown): void {
    if (args.length > 1 || final !== MISSING) {
      throw new ExecError(`at <${args[0].src}>: can't give argument to non-function ${args[0].src}`);
    }
  }

  private evalCommand(dot: unknown, cmd: Command, final: unknown): unknown {
    const first = cmd.args[0];
    switch (first.k) {
      case 'field':
        return this.evalFieldChain(dot, dot, first, first.path, cmd.args, final);
      case 'chain': {
        const base = this.evalArg(dot, first.base);
        return this.evalFieldChain(dot, base, first, first.path, cmd.args, final);
      }
      case 'ident':
        return this.evalFunction(dot, first, cmd, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first.pipe);
      case 'var':
        return this.evalVariable(dot, first, cmd.args, final);
      default:
        break;
    }
    this.notAFunction(cmd.args, final);
    switch (first.k) {
      case 'lit':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
      default:
        throw new ExecError('nil is not a command');
    }
  }

  private evalVariable(dot: unknown, v: { name: string; path: string[]; src: string }, args: readonly Operand[], final: unknown): unknown {
    const value = this.varValue(v.name);
    if (v.path.length === 0) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.path, args, final);
  }

  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    node: { src: string },
    path: readonly string[],
    args: readonly Operand[],
    final: unknown,
  ): unknown {
    const n = path.length;
    let r = receiver;
    for (let i = 0; i < n - 1; i++) r = this.evalField(dot, path[i], node, NO_ARGS, MISSING, r);
    return this.evalField(dot, path[n - 1], node, args, final, r);
  }

  private evalField(
    dot: unknown,
    name: string,
    node: { src: string },
    args: readonly Operand[],
    final: unknown,
    receiver: unknown,
  ): unknown {
    if (receiver === null || receiver === undefined) return undefined;
    const hasArgs = args.length > 1 || final !== MISSING;
    if (typeof receiver === 'object' && !isArrayLike(receiver)) {
      if (receiver instanceof Map) {
        if (hasArgs) throw new ExecError(`at <${node.src}>: ${name} is not a method but has arguments`);
        return receiver.has(name) ? receiver.get(name) : undefined;
      }
      const own = hasOwn.call(receiver, name);
      const v = own ? (receiver as Obj)[name] : getProp(receiver, name);
      if (v !== NOT_FOUND) {
        // Prototype functions are methods (called, with arguments); an own property holding
        // a function is a func-valued field, as in Go (use `call` to invoke it).
        if (typeof v === 'function' && !own) {
          const argv: unknown[] = [];
          for (let i = 1; i < args.length; i++) argv.push(this.evalArg(dot, args[i]));
          if (final !== MISSING) argv.push(final);
          try {
            return (v as TemplateFunc).apply(receiver, argv);
          } catch (e) {
            throw new ExecError(`at <${node.src}>: error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        if (hasArgs) throw new ExecError(`at <${node.src}>: ${name} has arguments but cannot be invoked as function`);
        return v;
      }
      if (!isStructLike(receiver)) {
        if (hasArgs) throw new ExecError(`at <${node.src}>: ${name} is not a method but has arguments`);
        return undefined;
      }
      const fields = fieldNames(receiver);
      throw new ExecError(
        `at <${node.src}>: can't evaluate field ${name}${fields.length ? ` (valid fields: ${fields.join(', ')})` : ''}`,
      );
    }
    throw new ExecError(`at <${node.src}>: can't evaluate field ${name} in type ${goTypeName(receiver)}`);
  }

  private evalArg(dot: unknown, a: Operand): unknown {
    let v: unknown;
    switch (a.k) {
      case 'dot': v = dot; break;
      case 'nil': v = null; break;
      case 'lit': v = a.value; break;
      case 'field': v = this.evalFieldChain(dot, dot, a, a.path, [a], MISSING); break;
      case 'var': v = this.evalVariable(dot, a, [a], MISSING); break;
      case 'pipe': v = this.evalPipeline(dot, a.pipe); break;
      case 'chain': v = this.evalFieldChain(dot, this.evalArg(dot, a.base), a, a.path, [a], MISSING); break;
      case 'ident': v = this.callFunction(dot, a, [a], MISSING, a.src); break;
    }
    return v === undefined ? null : v;
  }

  private evalFunction(dot: unknown, ident: { spec: FuncSpec; src: string }, cmd: Command, final: unknown): unknown {
    return this.callFunction(dot, ident, cmd.args, final, cmd.src);
  }

  private callFunction(
    dot: unknown,
    ident: { spec: FuncSpec; src: string },
    args: readonly Operand[],
    final: unknown,
    src: string,
  ): unknown {
    const spec = ident.spec;
    const argc = args.length - 1 + (final === MISSING ? 0 : 1);
    if (argc < spec.min || argc > spec.max) {
      const want = spec.min === spec.max ? `${spec.min}` : `at least ${spec.min}`;
      throw new ExecError(`at <${src}>: wrong number of args for ${spec.name}: want ${want} got ${argc}`);
    }
    if (spec.lazy) {
      // and/or short-circuit, returning the deciding argument.
      let v: unknown = undefined;
      const wantTrue = spec.lazy === 'or';
      for (let i = 1; i < args.length; i++) {
        v = this.evalArg(dot, args[i]);
        if (isTrue(v) === wantTrue) return v;
      }
      if (final !== MISSING) v = final === undefined ? null : final;
      return v;
    }
    const argv: unknown[] = [];
    for (let i = 1; i < args.length; i++) argv.push(this.evalArg(dot, args[i]));
    if (final !== MISSING) argv.push(final === undefined ? null : final);
    try {
      return spec.fn(...argv);
    } catch (e) {
      if (e instanceof ExecError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new ExecError(`at <${src}>: error calling ${spec.name}: ${msg}`);
    }
  }
}

/** The argument list of a bare field access (the operand itself, no arguments). */
const NO_ARGS: readonly Operand[] = [{ k: 'dot', src: '.' }];

// ---------------------------------------------------------------------------------------
// Public API

/** A compiled template; `execute` may be called any number of times. */
export class Template {
  /** @internal */
  constructor(
    readonly source: string,
    private readonly root: readonly TNode[],
    private readonly defs: ReadonlyMap<string, TNode[]>,
  ) {}

  /** Names of templates declared with {{define}} / {{block}}. */
  get definedTemplates(): string[] {
    return [...this.defs.keys()];
  }

  /** Renders the template against `data` (the initial `.` and `$`). */
  execute(data: unknown): string {
    const ex = new Executor(this.defs, data);
    try {
      ex.walk(data, this.root);
    } catch (e) {
      if (e instanceof ExecError) throw templateError(e.message, e.hint);
      if (e instanceof BerthError) throw e;
      if (e instanceof RangeError) throw templateError(`execution failed: ${e.message}`);
      throw e;
    }
    return ex.out;
  }
}

/** Parses a Go text/template. Throws a one-line BerthError('INVALID_ARGUMENT') on syntax errors. */
export function compileTemplate(src: string, opts: CompileOptions = {}): Template {
  const funcs = opts.funcs ? buildFuncTable(opts.funcs) : DEFAULT_FUNCS;
  try {
    const parser = new Parser(src, lex(src), funcs);
    const root = parser.parse();
    return new Template(src, root, parser.defs);
  } catch (e) {
    if (e instanceof ParseError) {
      const m = /function "([^"]+)" not defined/.exec(e.message);
      const hint = m ? `available functions: ${[...funcs.keys()].sort().join(', ')}` : undefined;
      throw templateError(e.message, hint);
    }
    if (e instanceof RangeError) throw templateError('max expression depth exceeded');
    throw e;
  }
}

/** Convenience: compile and execute once. */
export function renderTemplate(src: string, data: unknown, opts?: CompileOptions): string {
  return compileTemplate(src, opts).execute(data);
}
