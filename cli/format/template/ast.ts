/** The syntax tree the parser builds and the executor walks, and the function table types. */

/** A template function; arguments arrive as the template passes them (checked by the function itself). */
export type TemplateFunc = (...args: never[]) => unknown;
export type FuncMap = Record<string, TemplateFunc>;

export interface CompileOptions {
  /** Extra functions; they replace built-in ones of the same name (like podman's Funcs). */
  funcs?: FuncMap;
  /** The template's name in error messages (`template: NAME:1: ...`); podman names it after the command. */
  name?: string;
  /**
   * The Go type name of a value, for "can't evaluate field X in type T" (podman's `images.imageReporter`);
   * asked only when an error is reported. Without an answer, a name derived from the value.
   */
  typeName?: (value: object) => string | undefined;
}

export interface FuncSpec {
  name: string;
  fn: TemplateFunc;
  min: number;
  max: number;
  lazy?: 'and' | 'or';
}

/** `pos`: where the node is in the template's text (Go's Node.Position, for error locations). */
export type Operand =
  | { k: 'field'; path: string[]; src: string; pos: number }
  | { k: 'var'; name: string; path: string[]; src: string; pos: number }
  | { k: 'dot'; src: string; pos: number }
  | { k: 'nil'; src: string; pos: number }
  | { k: 'ident'; spec: FuncSpec; src: string; pos: number }
  | { k: 'lit'; value: unknown; src: string; pos: number }
  | { k: 'pipe'; pipe: Pipe; src: string; pos: number }
  | { k: 'chain'; base: Operand; path: string[]; src: string; pos: number };

export interface Command {
  args: Operand[];
  src: string;
  pos: number;
}

export interface Pipe {
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
  src: string;
}

export type TNode =
  | { k: 'text'; text: string }
  | { k: 'action'; pipe: Pipe; pos: number }
  | { k: 'if' | 'with' | 'range'; pipe: Pipe; list: TNode[]; elseList: TNode[] | null }
  | { k: 'break' }
  | { k: 'continue' }
  | { k: 'template'; name: string; pipe: Pipe | null; src: string; pos: number };

export type Marker = { k: 'end' } | { k: 'else' };
