/**
 * podman-compatible `--format` handling for list/inspect style commands (the rules of
 * containers/common `pkg/report` and podman's `cmd/podman`):
 *
 *   - no --format            → the command's default template, as a table: a header row
 *                              then one row per item, aligned by the tabwriter;
 *   - --format json          → the rows as a JSON array, 4-space indented (json.MarshalIndent)
 *                              plus a newline (also `{{json}}` / `{{json.}}`);
 *   - --format 'table …'     → header row + rows, aligned; in the format, `\t`/`\n` typed
 *                              literally become tab/newline and every space becomes a tab;
 *   - --format '…'           → the template rendered once per row, no header, no alignment,
 *                              each rendering followed by a newline unless the template
 *                              already ends with one; `\t`/`\n` typed literally are
 *                              turned into tab/newline. A template that contains its own
 *                              `{{range .}}…{{end}}` is executed once over the whole list.
 *
 * As in podman, the header row is produced by executing the same template against a
 * single "header" item whose fields hold the column names: `headers[field]` (upper-cased)
 * when given, otherwise the field name split at camel-case boundaries and upper-cased
 * (`CreatedSince` → `CREATED SINCE`).
 */
import { compileTemplate, type CompileOptions, type FuncMap, type Template } from './template.js';
import { tabwrite, PODMAN_TABWRITER_OPTIONS } from './tabwriter.js';
import { BerthError } from '../../src/errors.js';
import { goJSON } from '../../src/go/index.js';
import { isJSONFormat } from './json-format.js';

export interface RenderOutputOptions {
  /** The user's --format value; undefined or '' means "not given". */
  format?: string;
  /** Row template used without --format, e.g. '{{.Repository}}\t{{.Tag}}\t{{.ID}}'.
   * May also be a 'table …' format or a full '{{range .}}…{{end}}' template. */
  defaultTemplate: string;
  /** Column header overrides keyed by field name, e.g. { ID: 'IMAGE ID' }. */
  headers: Record<string, string>;
  /** --noheading: omit the header row of table output. */
  noHeading?: boolean;
  /** Value printed for --format json; defaults to `rows`. */
  json?: unknown;
  /** Extra template functions. */
  funcs?: FuncMap;
  /** The template's name in its errors: podman's is the command's name (`images`, `list` for `image ls`, `inspect`). */
  name?: string;
  /** The Go type podman's errors name for a row (`can't evaluate field X in type images.imageReporter`). */
  rowType?: string;
  /**
   * The template runs once against `rows[0]` itself, not over the list (podman's `info`, `version`):
   * not wrapped in `{{range .}}`, so `{{.ID` is "unclosed action" there and "bad character" in a list.
   */
  single?: boolean;
}

const RANGE_RE = /\{\{[\t\n\f\r ]*range[\t\n\f\r ]*\.[\t\n\f\r ]*\}\}[\s\S]*\{\{[\t\n\f\r ]*end[\t\n\f\r ]*-?[\t\n\f\r ]*\}\}/;

export { isJSONFormat };

/**
 * The name podman gives a command's template (cobra's Command.Name(): the last word, an alias
 * spelled as the command's own name): `images`, `list` for `image ls`, `ps`, `inspect`.
 */
export function templateName(command: string): string {
  const word = command.slice(command.lastIndexOf(' ') + 1);
  return word === 'ls' ? 'list' : word;
}

/** Whether a format is a table format ("table " prefix). */
export function isTableFormat(format: string): boolean {
  return format.startsWith('table ');
}

/**
 * podman's report.NormalizeFormat: for a table format, removes "table ", turns literal
 * `\t` and `\n` into tab and newline and every space into a tab; otherwise only turns
 * literal `\t`/`\n` into tab/newline. Appends a newline when missing.
 */
export function normalizeFormat(format: string): string {
  let f: string;
  if (isTableFormat(format)) {
    f = format.replace(/table |\\t| |\\n/g, (m) => (m === '\\n' ? '\n' : m === 'table ' ? '' : '\t'));
  } else {
    f = format.replace(/\\t|\\n/g, (m) => (m === '\\t' ? '\t' : '\n'));
  }
  return f.endsWith('\n') ? f : `${f}\n`;
}

/** Wraps a template in {{range .}}…{{end -}} unless it already ranges over the list. */
export function enforceRange(format: string): string {
  return RANGE_RE.test(format) ? format : `{{range .}}${format}{{end -}}`;
}

/** Splits a Go-style identifier at camel-case boundaries ("PDFLoader" → ["PDF", "Loader"]). */
export function splitCamelCase(name: string): string[] {
  const classOf = (ch: string): number => {
    if (/\p{Ll}/u.test(ch)) return 1;
    if (/\p{Lu}/u.test(ch)) return 2;
    if (/\p{Nd}/u.test(ch)) return 3;
    return 4;
  };
  const runs: string[][] = [];
  let last = 0;
  for (const ch of name) {
    const c = classOf(ch);
    if (c === last && runs.length > 0) runs[runs.length - 1].push(ch);
    else runs.push([ch]);
    last = c;
  }
  // An upper-case run followed by a lower-case run gives its last letter to the latter.
  for (let i = 0; i < runs.length - 1; i++) {
    if (classOf(runs[i][0]) === 2 && classOf(runs[i + 1][0]) === 1) {
      runs[i + 1].unshift(runs[i].pop()!);
    }
  }
  return runs.filter((r) => r.length > 0).map((r) => r.join(''));
}

/** The default column header for a field: "CreatedSince" → "CREATED SINCE". */
export function headerForField(field: string): string {
  return splitCamelCase(field).join(' ').toUpperCase();
}

/** The header item: answers every field with its column name. */
class HeaderRow extends Map<string, string> {
  override has(_key: string): boolean {
    return true;
  }

  override get(key: string): string {
    return super.has(key) ? super.get(key)! : headerForField(key);
  }
}

/** Builds the item the table template is executed against to print the header row. */
export function headerRow(headers: Record<string, string>): Map<string, string> {
  const row = new HeaderRow();
  for (const [k, v] of Object.entries(headers)) row.set(k, v.toUpperCase());
  return row;
}

/** JSON like podman's `json.MarshalIndent(x, "", "    ")` + newline. */
export function formatJSON(value: unknown): string {
  return `${goJSON(value, { indent: '    ', maps: 'inferred' })}\n`;
}

function compileWithFallback(primary: string, fallback: string | undefined, opts: CompileOptions): Template {
  try {
    return compileTemplate(primary, opts);
  } catch (e) {
    if (!(e instanceof BerthError) || fallback === undefined || fallback === primary) throw e;
  }
  // podman retries without the \t/\n/space munging, so `{{printf "\n"}}` still parses; when both
  // fail, it reports the retry's error (so its line numbers count the user's lines as typed).
  return compileTemplate(fallback, opts);
}

/** Renders `rows` following podman's --format rules (see the module comment). */
export function renderOutput(rows: readonly object[], opts: RenderOutputOptions): string {
  const format = opts.format;
  const userFormat = format !== undefined && format !== '';
  if (userFormat && isJSONFormat(format)) return formatJSON(opts.json === undefined ? rows : opts.json);

  let primary: string;
  let fallback: string | undefined;
  let table = true;
  const source = userFormat ? format : opts.defaultTemplate;
  const compileOptions: CompileOptions = { funcs: opts.funcs, name: opts.name };
  if (opts.rowType !== undefined) {
    const type = opts.rowType;
    compileOptions.typeName = (v) => (rows.includes(v) ? type : undefined);
  }
  if (opts.single && !isTableFormat(source)) {
    const tpl = compileWithFallback(normalizeFormat(source), userFormat ? source : undefined, compileOptions);
    return rows.map((row) => tpl.execute(row)).join('');
  }
  if (isTableFormat(source)) {
    primary = `{{range .}}${normalizeFormat(source)}{{end -}}`;
    fallback = `{{range .}}${source.slice('table '.length)}{{end -}}`;
  } else if (userFormat) {
    primary = enforceRange(normalizeFormat(source));
    fallback = enforceRange(source);
    table = false;
  } else {
    primary = enforceRange(normalizeFormat(source));
  }

  const tpl = compileWithFallback(primary, fallback, compileOptions);
  if (!table) return tpl.execute(rows);
  let text = '';
  if (!opts.noHeading) text += tpl.execute([headerRow(opts.headers)]);
  text += tpl.execute(rows);
  return tabwrite(text, PODMAN_TABWRITER_OPTIONS);
}
