/** The executor: walks the syntax tree against data, with Go's rules for fields, methods, pipelines, variables and control flow. */
import { formatValue, goTypeName, isArrayLike, isStringer, isStructLike, mapEntries } from '../../../src/go/index.js';
import { ExecError } from './errors.js';
import type { TemplateFunc, FuncSpec, Operand, Command, Pipe, TNode } from './ast.js';
import { MISSING, NOT_FOUND, hasOwn, type Obj, getProp, isTrue } from './values.js';

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

/** A node being run, for error messages: where it is and its text (Go's state.at). */
export interface At {
  pos: number;
  src: string;
}

export class Executor {
  out = '';
  vars: Var[];
  depth = 0;
  /** The node run last: an error is reported at it, as Go's. */
  at: At | null = null;

  constructor(
    private readonly defs: ReadonlyMap<string, TNode[]>,
    data: unknown,
    private readonly typeName?: (value: object) => string | undefined,
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
          const at = { pos: node.pos, src: `{{${node.pipe.src}}}` };
          this.at = at;
          const v = this.evalPipeline(dot, node.pipe);
          if (node.pipe.decl.length === 0) this.out += this.printable(v, at);
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
          this.at = node;
          const body = this.defs.get(node.name);
          if (!body) throw new ExecError(`template ${JSON.stringify(node.name)} not defined`);
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

  private printable(v: unknown, at: At): string {
    if (typeof v === 'function') {
      this.at = at;
      throw new ExecError(`can't print ${at.src} of type func`);
    }
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
      throw new ExecError(`can't give argument to non-function ${args[0].src}`);
    }
  }

  private evalCommand(dot: unknown, cmd: Command, final: unknown): unknown {
    const first = cmd.args[0];
    if (first.k !== 'pipe') this.at = first;
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
        if (hasArgs) throw new ExecError(`${name} is not a method but has arguments`);
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
            return Reflect.apply(v as TemplateFunc, receiver, argv) as unknown;
          } catch (e) {
            throw new ExecError(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        if (hasArgs) throw new ExecError(`${name} has arguments but cannot be invoked as function`);
        return v;
      }
      if (!isStructLike(receiver)) {
        if (hasArgs) throw new ExecError(`${name} is not a method but has arguments`);
        return undefined;
      }
    }
    const type = (typeof receiver === 'object' ? this.typeName?.(receiver) : undefined) ?? goTypeName(receiver);
    throw new ExecError(`can't evaluate field ${name} in type ${type}`);
  }

  private evalArg(dot: unknown, a: Operand): unknown {
    this.at = a;
    let v: unknown;
    switch (a.k) {
      case 'dot':
        v = dot;
        break;
      case 'nil':
        v = null;
        break;
      case 'lit':
        v = a.value;
        break;
      case 'field':
        v = this.evalFieldChain(dot, dot, a, a.path, [a], MISSING);
        break;
      case 'var':
        v = this.evalVariable(dot, a, [a], MISSING);
        break;
      case 'pipe':
        v = this.evalPipeline(dot, a.pipe);
        break;
      case 'chain':
        v = this.evalFieldChain(dot, this.evalArg(dot, a.base), a, a.path, [a], MISSING);
        break;
      case 'ident':
        v = this.callFunction(dot, a, [a], MISSING, a);
        break;
    }
    return v === undefined ? null : v;
  }

  private evalFunction(dot: unknown, ident: { spec: FuncSpec; src: string }, cmd: Command, final: unknown): unknown {
    return this.callFunction(dot, ident, cmd.args, final, cmd);
  }

  private callFunction(dot: unknown, ident: { spec: FuncSpec; src: string }, args: readonly Operand[], final: unknown, cmd: At): unknown {
    const spec = ident.spec;
    const argc = args.length - 1 + (final === MISSING ? 0 : 1);
    if (argc < spec.min || argc > spec.max) {
      const want = spec.min === spec.max ? `${spec.min}` : `at least ${spec.min}`;
      throw new ExecError(`wrong number of args for ${spec.name}: want ${want} got ${argc}`);
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
      return Reflect.apply(spec.fn, undefined, argv) as unknown;
    } catch (e) {
      if (e instanceof ExecError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      this.at = cmd;
      throw new ExecError(`error calling ${spec.name}: ${msg}`);
    }
  }
}

/** The argument list of a bare field access (the operand itself, no arguments). */
const NO_ARGS: readonly Operand[] = [{ k: 'dot', src: '.', pos: 0 }];
