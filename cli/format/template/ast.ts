/** The syntax tree the parser builds and the executor walks, and the function table types. */

/** A template function; arguments arrive as the template passes them (checked by the function itself). */
export type TemplateFunc = (...args: never[]) => unknown;
export type FuncMap = Record<string, TemplateFunc>;

export interface CompileOptions {
  /** Extra functions; they replace built-in ones of the same name (like podman's Funcs). */
  funcs?: FuncMap;
}

export interface FuncSpec {
  name: string;
  fn: TemplateFunc;
  min: number;
  max: number;
  lazy?: 'and' | 'or';
}

export type Operand =
  | { k: 'field'; path: string[]; src: string }
  | { k: 'var'; name: string; path: string[]; src: string }
  | { k: 'dot'; src: string }
  | { k: 'nil'; src: string }
  | { k: 'ident'; spec: FuncSpec; src: string }
  | { k: 'lit'; value: unknown; src: string }
  | { k: 'pipe'; pipe: Pipe; src: string }
  | { k: 'chain'; base: Operand; path: string[]; src: string };

export interface Command {
  args: Operand[];
  src: string;
}

export interface Pipe {
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
  src: string;
}

export type TNode =
  | { k: 'text'; text: string }
  | { k: 'action'; pipe: Pipe }
  | { k: 'if' | 'with' | 'range'; pipe: Pipe; list: TNode[]; elseList: TNode[] | null }
  | { k: 'break' }
  | { k: 'continue' }
  | { k: 'template'; name: string; pipe: Pipe | null; src: string };

export type Marker = { k: 'end' } | { k: 'else' };
