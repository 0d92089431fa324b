/** The parser: tokens → syntax tree, with Go's parse-time checks (undefined functions and variables, misplaced keywords). */
import { ParseError } from './errors.js';
import type { Tok } from './lexer.js';
import type { FuncSpec, Operand, Command, Pipe, TNode, Marker } from './ast.js';

export class Parser {
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
    throw new ParseError(msg, at.pos);
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
      case 'eof':
        return 'EOF';
      case 'rdelim':
        return '"}}"';
      case 'ldelim':
        return '"{{"';
      case 'keyword':
        return `<${t.v}>`;
      case 'space':
        return 'space';
      case 'error':
        return t.v;
      default:
        return JSON.stringify(t.v.length > 10 ? `${t.v.slice(0, 10)}...` : t.v);
    }
  }

  private unexpected(t: Tok, context: string): never {
    // a lexical error is reported in its own words
    if (t.k === 'error') this.error(t.v, t);
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
        case 'block':
          return this.blockControl();
        case 'break':
          return this.loopControl('break', t);
        case 'continue':
          return this.loopControl('continue', t);
        case 'else':
          return this.elseControl();
        case 'end': {
          const r = this.nextNonSpace();
          if (r.k !== 'rdelim') this.unexpected(r, 'end');
          return { k: 'end' };
        }
        case 'if':
          return this.control('if');
        case 'range':
          return this.control('range');
        case 'with':
          return this.control('with');
        case 'template':
          return this.templateControl();
        case 'define':
          this.error('unexpected <define> in command: define is only allowed at the top level', t);
      }
    }
    this.i--;
    return { k: 'action', pipe: this.pipeline('command', 'rdelim'), pos: t.pos };
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
    const nameTok = this.nextNonSpace();
    const name = this.templateName(nameTok, 'template');
    let pipe: Pipe | null = null;
    if (this.peekNonSpace().k !== 'rdelim') {
      pipe = this.pipeline('template', 'rdelim');
    } else {
      this.nextNonSpace();
    }
    const src = `{{template ${JSON.stringify(name)}${pipe ? ` ${pipe.src}` : ''}}}`;
    return { k: 'template', name, pipe, src, pos: nameTok.pos };
  }

  private blockControl(): TNode {
    const nameTok = this.nextNonSpace();
    const name = this.templateName(nameTok, 'block');
    const pipe = this.pipeline('block', 'rdelim');
    this.defineBody(name);
    return { k: 'template', name, pipe, src: `{{template ${JSON.stringify(name)} ${pipe.src}}}`, pos: nameTok.pos };
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
        case 'bool':
        case 'charconst':
        case 'dot':
        case 'field':
        case 'ident':
        case 'number':
        case 'nil':
        case 'rawstring':
        case 'string':
        case 'var':
        case 'lparen':
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
    return { args, src: this.src.slice(first.pos, endPos), pos: first.pos };
  }

  private operand(): Operand | null {
    const start = this.peek();
    const node = this.term();
    if (!node) return null;
    if (this.peek().k === 'field') {
      // as Go's parser: a chain of fields is where its second field starts
      const pos = this.peek().pos;
      const path: string[] = [];
      while (this.peek().k === 'field') path.push(this.next().v.slice(1));
      const last = this.toks[this.i - 1];
      const src = this.src.slice(start.pos, last.pos + last.v.length);
      switch (node.k) {
        case 'field':
          return { k: 'field', path: [...node.path, ...path], src, pos };
        case 'var':
          return { k: 'var', name: node.name, path: [...node.path, ...path], src, pos };
        case 'lit':
        case 'nil':
        case 'dot':
          return this.error(`unexpected . after term ${JSON.stringify(node.src)}`);
        default:
          return { k: 'chain', base: node, path, src, pos };
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
          throw new ParseError(`function "${t.v}" not defined`, t.pos);
        }
        return { k: 'ident', spec, src: t.v, pos: t.pos };
      }
      case 'dot':
        return { k: 'dot', src: '.', pos: t.pos };
      case 'nil':
        return { k: 'nil', src: 'nil', pos: t.pos };
      case 'var': {
        if (!this.vars.includes(t.v)) this.error(`undefined variable "${t.v}"`, t);
        return { k: 'var', name: t.v, path: [], src: t.v, pos: t.pos };
      }
      case 'field':
        return { k: 'field', path: [t.v.slice(1)], src: t.v, pos: t.pos };
      case 'bool':
        return { k: 'lit', value: t.v === 'true', src: t.v, pos: t.pos };
      case 'number':
        return { k: 'lit', value: this.parseNumber(t), src: t.v, pos: t.pos };
      case 'charconst':
        return { k: 'lit', value: this.parseChar(t), src: t.v, pos: t.pos };
      case 'string':
      case 'rawstring':
        return { k: 'lit', value: this.unquote(t), src: t.v, pos: t.pos };
      case 'lparen': {
        const pipe = this.pipeline('parenthesized pipeline', 'rparen');
        const close = this.toks[this.i - 1];
        return { k: 'pipe', pipe, src: this.src.slice(t.pos, close.pos + 1), pos: t.pos };
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
