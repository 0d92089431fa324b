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
 * Every error is a one-line `BerthError('INVALID_ARGUMENT', 'template: ...')` in Go's words:
 * parse errors `template: NAME:LINE: MSG`, execution errors `template: NAME:LINE:COL: executing
 * "NAME" at <NODE>: MSG` (`data.phase` says which).
 *
 * Known differences from Go: a JS number has no int/float distinction, so integral
 * floats print as integers (`{{1e6}}` → 1000000, Go: 1e+06) and `eq 1 1.0` is true;
 * `\xNN` escapes above 0x7f yield the code point U+00NN rather than a raw byte; JS
 * `null` is lenient (field access and `index` on it give nothing instead of a nil-pointer
 * error; `len` gives 0); string arguments of the podman functions accept numbers and
 * booleans (printed with %v) where Go would report a type error.
 */
import { BerthError } from '../../src/errors.js';
import { formatValue, goQuote, goSprintf } from '../../src/go/index.js';
import { templateError, ParseError, ExecError, errorContext, errorLocation } from './template/errors.js';
import { lex, lineOf } from './template/lexer.js';
import type { CompileOptions, TNode } from './template/ast.js';
import { Parser } from './template/parser.js';
import { buildFuncTable, DEFAULT_FUNCS } from './template/functions.js';
import { Executor } from './template/executor.js';

export { formatValue, goQuote, goSprintf };
export type { TemplateFunc, FuncMap, CompileOptions } from './template/ast.js';
export { BUILTIN_FUNCTIONS } from './template/functions.js';
export { goJSON, isTrue } from './template/values.js';

/** A compiled template; `execute` may be called any number of times. */
export class Template {
  /** @internal */
  constructor(
    readonly source: string,
    private readonly root: readonly TNode[],
    private readonly defs: ReadonlyMap<string, TNode[]>,
    /** the name errors give (Go's Template.Name) */
    readonly name = '',
    private readonly typeName?: (value: object) => string | undefined,
  ) {}

  /** Names of templates declared with {{define}} / {{block}}. */
  get definedTemplates(): string[] {
    return [...this.defs.keys()];
  }

  /** Renders the template against `data` (the initial `.` and `$`). */
  execute(data: unknown): string {
    const ex = new Executor(this.defs, data, this.typeName);
    try {
      ex.walk(data, this.root);
    } catch (e) {
      if (e instanceof ExecError) {
        const at = ex.at;
        const where = at
          ? `${errorLocation(this.name, this.source, at.pos)}: executing ${JSON.stringify(this.name)} at <${errorContext(at.src)}>`
          : this.name;
        throw templateError(`${where}: ${e.message}`, 'execute');
      }
      if (e instanceof BerthError) throw e;
      if (e instanceof RangeError) throw templateError(`${this.name}: execution failed: ${e.message}`, 'execute');
      throw e;
    }
    return ex.out;
  }
}

/** Parses a Go text/template. Throws a one-line BerthError('INVALID_ARGUMENT') on syntax errors. */
export function compileTemplate(src: string, opts: CompileOptions = {}): Template {
  const funcs = opts.funcs ? buildFuncTable(opts.funcs) : DEFAULT_FUNCS;
  const name = opts.name ?? '';
  try {
    const parser = new Parser(src, lex(src), funcs);
    const root = parser.parse();
    return new Template(src, root, parser.defs, name, opts.typeName);
  } catch (e) {
    if (e instanceof ParseError) throw templateError(`${name}:${lineOf(src, e.pos)}: ${e.message}`, 'parse');
    if (e instanceof RangeError) throw templateError(`${name}:1: max expression depth exceeded`, 'parse');
    throw e;
  }
}

/** Convenience: compile and execute once. */
export function renderTemplate(src: string, data: unknown, opts?: CompileOptions): string {
  return compileTemplate(src, opts).execute(data);
}
