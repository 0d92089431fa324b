/**
 * berth images / image ls / image list [IMAGE] — podman images: one row per tagged name
 * (or one "<none>" row), sorted newest first by default; `--format json` gives podman's
 * JSON fields; templates see podman's fields (`.ID .Id .Repository .Tag .Digest .Created
 * .CreatedAt .Size .Labels .Names .RepoDigests .IsDangling ...`).
 */
import { BerthError } from '../../src/errors.js';
import { type ImageRow, listImages, repoAndTag, repoDigests, repoDigestsOf, createdTime, type ImageSet } from '../../src/local.js';
import { GoTime, humanSince, humanSizeSpaced, goJSON } from '../../src/go/index.js';
import { openStore } from '../open-store.js';
import { writeStdout } from '../stdout-use.js';
import { isJSONFormat } from '../format/json-format.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

/** RepoDigests per names array (shared by all rows of one image). */
const digestMemo = new WeakMap<string[], string[]>();
/** The repositories of a names array, where the listing split its names already. */
const reposMemo = new WeakMap<string[], Set<string>>();
/** Per image, shared by its rows (one image may have thousands of names): creation time and
 * the CREATED and SIZE columns. */
const createdMemo = new WeakMap<ImageRow, GoTime>();
const sinceMemo = new WeakMap<ImageRow, { now: number; text: string }>();
const sizeMemo = new WeakMap<ImageRow, string>();

/** One output row, with the fields podman's imageReporter offers to templates. */
export class ImageReporter {
  readonly #row: ImageRow;
  readonly #set: ImageSet;
  readonly #noTrunc: boolean;
  readonly #now: number;

  constructor(
    row: ImageRow,
    set: ImageSet,
    /** Names shown for the image (all, or those a reference filter selected). */
    readonly Names: string[],
    readonly Repository: string,
    readonly Tag: string,
    noTrunc: boolean,
    now: number,
  ) {
    this.#row = row;
    this.#set = set;
    this.#noTrunc = noTrunc;
    this.#now = now;
  }

  /** Creation time at second precision, as podman keeps it for listings. */
  static created(r: ImageReporter): GoTime {
    let t = createdMemo.get(r.#row);
    if (t === undefined) createdMemo.set(r.#row, (t = GoTime.fromUnix(createdTime(r.#row).unix())));
    return t;
  }
  static row(r: ImageReporter): ImageRow {
    return r.#row;
  }

  get ID(): string {
    return this.#noTrunc ? `sha256:${this.#row.id}` : this.#row.id.slice(0, 12);
  }
  get Id(): string {
    return this.#row.id;
  }
  get ParentId(): string {
    return this.#set.parent(this.#row)?.id ?? '';
  }
  get RepoTags(): string[] {
    return this.Names;
  }
  get RepoDigests(): string[] {
    let d = digestMemo.get(this.Names);
    if (!d) {
      const repos = reposMemo.get(this.Names);
      d = repos ? repoDigestsOf(repos, this.#row) : repoDigests(this.Names, this.#row);
      digestMemo.set(this.Names, d);
    }
    return d;
  }
  get Created(): string {
    let m = sinceMemo.get(this.#row);
    if (m?.now !== this.#now) sinceMemo.set(this.#row, (m = { now: this.#now, text: humanSince(ImageReporter.created(this), this.#now) }));
    return m.text;
  }
  get CreatedAt(): string {
    return ImageReporter.created(this).toString();
  }
  get CreatedSince(): string {
    return this.Created;
  }
  get CreatedTime(): string {
    return this.CreatedAt;
  }
  get Size(): string {
    let s = sizeMemo.get(this.#row);
    if (s === undefined) sizeMemo.set(this.#row, (s = humanSizeSpaced(this.#row.size)));
    return s;
  }
  get SharedSize(): number {
    return 0;
  }
  get VirtualSize(): number {
    return this.#row.size;
  }
  get Labels(): Record<string, string> {
    return Object.assign(Object.create(null) as Record<string, string>, this.#row.labels);
  }
  get Containers(): number {
    return this.#row.containers;
  }
  get ReadOnly(): boolean {
    return this.#row.readOnly;
  }
  get IsReadOnly(): boolean {
    return this.#row.readOnly;
  }
  get Dangling(): boolean {
    return this.#set.isDangling(this.#row);
  }
  get IsDangling(): boolean {
    return this.Dangling;
  }
  get Digest(): string {
    return this.#row.digest;
  }
  get History(): string {
    return this.#row.namesHistory.join(', ');
  }
  get Arch(): string {
    return '';
  }
  get Os(): string {
    return '';
  }
  get IsManifestList(): boolean | null {
    return null;
  }

  /** podman's JSON for one row (ImageSummary + Created + CreatedAt; RepoTags null). */
  static json(r: ImageReporter): object {
    const row = r.#row;
    const created = ImageReporter.created(r);
    const o: Record<string, unknown> = {
      Id: row.id,
      ParentId: r.ParentId,
      RepoTags: null,
      RepoDigests: r.RepoDigests,
      Size: row.size,
      SharedSize: 0,
      VirtualSize: row.size,
      Labels: labelsMap(row.labels),
      Containers: row.containers,
    };
    if (row.readOnly) o.ReadOnly = true;
    if (r.Dangling) o.Dangling = true;
    if (row.digest) o.Digest = row.digest;
    if (row.namesHistory.length) o.History = row.namesHistory;
    if (r.Names.length) o.Names = r.Names;
    o.Created = created.unix();
    o.CreatedAt = created.rfc3339(true);
    return o;
  }
}

const IN1 = ' '.repeat(8);
const IN2 = ' '.repeat(12);

/** A list of strings as goJSON prints it at the second level of an array element. */
function stringList(items: readonly string[]): string {
  if (items.length === 0) return '[]';
  let s = '[';
  for (let i = 0; i < items.length; i++) s += `${i ? ',' : ''}\n${IN2}${goJSON(items[i]!)}`;
  return `${s}\n${IN1}]`;
}

const num = (n: number): string => (Number.isFinite(n) ? JSON.stringify(n) : 'null');

/** Where JSON.stringify's text differs from goJSON's: HTML characters, U+2028/9, surrogates. */
const STRINGIFY_DIFFERS = /[<>&\u2028\u2029\ud800-\udfff]/;
/** Keys a JavaScript object orders numerically, not as inserted. */
const INDEX_KEY = /^(?:0|[1-9]\d*)$/;

/**
 * `goJSON(ImageReporter.json(r), { indent: '    ', base: '    ' })`: a JSON listing prints
 * hundreds of these, each built in code that runs too few times to be optimised. For this
 * shape, V8's own JSON.stringify writes the same text as encoding/json's MarshalIndent (keys
 * in the order given, labels sorted), except for the characters goJSON escapes that it does
 * not, and label keys an object would reorder: those take the written-out encoder.
 */
export function jsonEntry(r: ImageReporter): string {
  const labels = ImageReporter.row(r).labels;
  const keys = Object.keys(labels);
  if (!keys.some((k) => INDEX_KEY.test(k))) {
    const o = ImageReporter.json(r) as Record<string, unknown>;
    if (keys.length > 0) {
      const sorted: Record<string, string> = {};
      for (const k of keys.sort()) sorted[k] = labels[k]!;
      o.Labels = sorted; // (in its place: the key exists already)
    }
    // inside an array, so that JSON.stringify indents it as an element (one level deeper)
    const text = JSON.stringify([o], null, 4).slice('[\n    '.length, -'\n]'.length);
    if (!STRINGIFY_DIFFERS.test(text)) return text;
  }
  return writtenOutEntry(r);
}

/** jsonEntry's encoder for any labels and strings (the generic encoder's walk, written out for this shape). */
function writtenOutEntry(r: ImageReporter): string {
  const row = ImageReporter.row(r);
  const created = ImageReporter.created(r);
  const labels = labelsMap(row.labels);
  let s = `{\n${IN1}"Id": ${goJSON(row.id)},\n${IN1}"ParentId": ${goJSON(r.ParentId)},\n${IN1}"RepoTags": null,`;
  s += `\n${IN1}"RepoDigests": ${stringList(r.RepoDigests)},\n${IN1}"Size": ${num(row.size)},\n${IN1}"SharedSize": 0,`;
  s += `\n${IN1}"VirtualSize": ${num(row.size)},\n${IN1}"Labels": ${labels ? goJSON(labels, { indent: '    ', base: IN1 }) : 'null'},`;
  s += `\n${IN1}"Containers": ${num(row.containers)},`;
  if (row.readOnly) s += `\n${IN1}"ReadOnly": true,`;
  if (r.Dangling) s += `\n${IN1}"Dangling": true,`;
  if (row.digest) s += `\n${IN1}"Digest": ${goJSON(row.digest)},`;
  if (row.namesHistory.length) s += `\n${IN1}"History": ${stringList(row.namesHistory)},`;
  if (r.Names.length) s += `\n${IN1}"Names": ${stringList(r.Names)},`;
  return `${s}\n${IN1}"Created": ${num(created.unix())},\n${IN1}"CreatedAt": ${goJSON(created.rfc3339(true))}\n    }`;
}

function labelsMap(l: Record<string, string>): Record<string, string> | null {
  const keys = Object.keys(l);
  if (keys.length === 0) return null;
  return Object.assign(Object.create(null) as Record<string, string>, l);
}

/** The default table (podman lsFormatFromFlags). */
function defaultFormat(o: { digests: boolean; history: boolean; readOnly: boolean }): string {
  const row = ['{{if .Repository}}{{.Repository}}{{else}}<none>{{end}}', '{{if .Tag}}{{.Tag}}{{else}}<none>{{end}}'];
  if (o.digests) row.push('{{.Digest}}');
  row.push('{{.ID}}', '{{.Created}}', '{{.Size}}');
  if (o.history) row.push('{{if .History}}{{.History}}{{else}}<none>{{end}}');
  if (o.readOnly) row.push('{{.ReadOnly}}');
  return `{{range . }}${row.join('\t')}\n{{end -}}`;
}

const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

/** Width of a cell as Go's tabwriter counts it (runes): its length unless it holds a pair. */
const LOW_SURROGATE = /[\udc00-\udfff]/;
function cellWidth(s: string): number {
  if (!LOW_SURROGATE.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

/**
 * What podman's tabwriter (minwidth 12, padding 2, spaces) makes of lines that all have the
 * same number of cells: every column but the last padded to max(12, widest cell + 2).
 */
export function alignTable(lines: readonly string[][]): string {
  if (lines.length === 0) return '';
  const ncol = lines[0]!.length;
  const widths: number[] = [];
  for (let c = 0; c < ncol - 1; c++) {
    let w = 12;
    for (const l of lines) {
      const x = cellWidth(l[c]!) + 2;
      if (x > w) w = x;
    }
    widths.push(w);
  }
  const pads: string[] = [];
  let out = '';
  for (const l of lines) {
    for (let c = 0; c < ncol - 1; c++) {
      const n = widths[c]! - cellWidth(l[c]!);
      out += l[c]! + (pads[n] ??= ' '.repeat(n));
    }
    out += `${l[ncol - 1]!}\n`;
  }
  return out;
}

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const filters = [...(p.flags.filter as string[])];
  if (filters.length > 0 && p.args.length > 0) throw new BerthError('INVALID_ARGUMENT', 'cannot specify an image and a filter(s)');
  if (p.args.length > 0) filters.push(`reference=${p.args[0]}`);
  const noTrunc = p.flags['no-trunc'] === true;
  const format = p.flags.format as string | undefined;
  const sortKey = p.flags.sort as string;

  const store = openStore(g, 'read');
  let out = '';
  let jsonRows: { rows: ImageReporter[]; entry: (r: ImageReporter) => string | Buffer } | undefined;
  try {
    const now = Date.now();
    const { images, set } = listImages(store, { all: p.flags.all === true, filters, now: new Date(now), manifestLists: true });
    const rows: ImageReporter[] = [];
    /** Creation second of each row's image (listings keep second precision): the default sort key. */
    const createdSec = new Map<ImageReporter, number>();
    let readOnly = false;
    for (const img of images) {
      const first = rows.length;
      let untagged: ImageReporter | undefined;
      const repos = new Set<string>();
      for (const n of img.names) {
        const [repo, tag] = repoAndTag(n);
        if (repo !== '<none>') repos.add(repo); // (a name that does not parse gives no repository)
        if (tag !== '<none>') rows.push(new ImageReporter(img.row, set, img.names, repo, tag, noTrunc, now));
        else untagged ??= new ImageReporter(img.row, set, img.names, repo, tag, noTrunc, now);
      }
      if (rows.length === first) rows.push(untagged ?? new ImageReporter(img.row, set, img.names, '<none>', '<none>', noTrunc, now));
      reposMemo.set(img.names, repos);
      const sec = ImageReporter.created(rows[first]!).unix();
      for (let i = first; i < rows.length; i++) createdSec.set(rows[i]!, sec);
      if (img.row.readOnly) readOnly = true;
    }
    // stable sort (podman's order among equal keys is unspecified)
    const byKey: Record<string, (a: ImageReporter, b: ImageReporter) => number> = {
      id: (a, b) => cmp(a.Id, b.Id),
      repository: (a, b) => cmp(a.Repository, b.Repository) || cmp(a.Tag, b.Tag),
      size: (a, b) => cmp(a.VirtualSize, b.VirtualSize),
      tag: (a, b) => cmp(a.Tag, b.Tag),
      created: (a, b) => createdSec.get(b)! - createdSec.get(a)!,
    };
    rows.sort(byKey[sortKey] ?? byKey.created!);

    const digests = p.flags.digests === true;
    const history = p.flags.history === true;
    if (format !== undefined && isJSONFormat(format)) {
      // podman prints one entry per row, each with all the image's names: encode each image
      // once and stream the rows, so memory stays linear in the names however many rows repeat
      const { jsonElement } = await import('../format/json-array.js');
      const memo = new Map<string, string | Buffer>();
      const entry = (r: ImageReporter): string | Buffer => {
        const k = ImageReporter.row(r).id;
        let e = memo.get(k);
        if (e === undefined) {
          e = jsonElement(jsonEntry(r));
          memo.set(k, e);
        }
        return e;
      };
      jsonRows = { rows, entry };
    } else if (p.flags.quiet === true) {
      const seen = new Set<string>();
      out = '';
      for (const r of rows)
        if (!seen.has(r.ID)) {
          seen.add(r.ID);
          out += `${r.ID}\n`;
        }
    } else if (!p.changed.has('format')) {
      // the default table, without the template engine (same output, much faster for many rows)
      const head = [
        'REPOSITORY',
        'TAG',
        ...(digests ? ['DIGEST'] : []),
        'IMAGE ID',
        'CREATED',
        'SIZE',
        ...(history ? ['HISTORY'] : []),
        ...(readOnly ? ['R/O'] : []),
      ];
      const lines = p.flags.noheading === true ? [] : [head];
      // the image's own cells once per image (its rows are adjacent unless --sort reorders them)
      let last: ImageRow | undefined;
      let own: string[] = [];
      for (const r of rows) {
        const row = ImageReporter.row(r);
        if (row !== last) {
          last = row;
          own = [r.ID, r.Created, r.Size];
          if (history) own.push(r.History || '<none>');
          if (readOnly) own.push(String(r.ReadOnly));
        }
        const cells = [r.Repository || '<none>', r.Tag || '<none>'];
        if (digests) cells.push(r.Digest);
        lines.push(cells.concat(own));
      }
      out = alignTable(lines);
    } else {
      const { renderOutput, templateName } = await import('../format/output.js');
      out = renderOutput(rows, {
        format,
        name: templateName(p.command),
        rowType: 'images.imageReporter',
        defaultTemplate: defaultFormat({ digests, history, readOnly }),
        headers: { ID: 'IMAGE ID', ReadOnly: 'R/O' },
        noHeading: p.flags.noheading === true,
      });
    }
  } finally {
    store.close();
  }
  if (jsonRows) {
    const { writeJSONArray } = await import('../format/json-array.js');
    const { rows, entry } = jsonRows;
    await writeJSONArray(
      (function* () {
        for (const r of rows) yield entry(r);
      })(),
    );
    return 0;
  }
  writeStdout(out);
  return 0;
}
