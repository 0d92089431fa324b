/**
 * berth history / image history IMAGE — podman history: columns ID CREATED CREATED BY SIZE
 * COMMENT, newest entry first; "<missing>" for entries whose layer is not the top layer of
 * any image; CREATED BY cut to 45 bytes unless --no-trunc; -H=false prints RFC 3339 times.
 * `--format json` is podman's compact JSON (id, created, CreatedBy, tags, size, comment, Created).
 */
import { imageHistory, type HistoryLayer } from '../../src/local.js';
import { GoTime, humanSince, humanSizeSpaced, GoStruct, goJSON } from '../../src/go/index.js';
import { openStore } from '../open-store.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

/** The fields podman's historyReporter offers to templates. */
export class HistoryReporter {
  readonly #l: HistoryLayer;
  readonly #human: boolean;
  readonly #noTrunc: boolean;
  readonly #now: number;
  constructor(l: HistoryLayer, human: boolean, noTrunc: boolean, now: number) {
    this.#l = l;
    this.#human = human;
    this.#noTrunc = noTrunc;
    this.#now = now;
  }

  get ID(): string {
    const id = this.#l.id;
    return !this.#noTrunc && id.length >= 12 ? id.slice(0, 12) : id;
  }
  get Created(): string {
    return this.#human ? humanSince(this.#l.created, this.#now) : this.#l.created.rfc3339(false);
  }
  get CreatedBy(): string {
    const b = Buffer.from(this.#l.createdBy);
    return !this.#noTrunc && b.length > 45 ? `${b.subarray(0, 42).toString()}...` : this.#l.createdBy;
  }
  get Size(): string {
    return humanSizeSpaced(this.#l.size);
  }
  get Comment(): string {
    return this.#l.comment;
  }
  get Tags(): string[] {
    return this.#l.tags;
  }
  get CreatedAt(): string {
    return GoTime.fromUnix(this.#l.created.unix()).inLocal().rfc3339(false);
  }
  get CreatedSince(): string {
    return this.Created;
  }
}

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const store = openStore(g, 'read');
  let layers: HistoryLayer[];
  try {
    layers = imageHistory(store, p.args[0]!);
  } finally {
    store.close();
  }

  const format = p.flags.format as string | undefined;
  const { isJSONFormat, renderOutput } = await import('../format/output.js');
  if (format !== undefined && isJSONFormat(format)) {
    if (layers.length === 0) {
      process.stdout.write('[]\n');
      return 0;
    }
    const json = layers.map(
      (l) =>
        new GoStruct({
          id: l.id,
          created: l.created,
          CreatedBy: l.createdBy || undefined,
          tags: l.tags.length ? l.tags : undefined,
          size: l.size,
          comment: l.comment || undefined,
          Created: l.created.rfc3339(false),
        }),
    );
    process.stdout.write(`${goJSON(json)}\n`);
    return 0;
  }
  const now = Date.now();
  const rows = layers.map((l) => new HistoryReporter(l, p.flags.human !== false, p.flags['no-trunc'] === true, now));
  let out: string;
  if (p.flags.quiet === true) out = renderOutput(rows, { format: '{{range .}}{{.ID}}\n{{end -}}', defaultTemplate: '', headers: {} });
  else {
    out = renderOutput(rows, {
      format: p.changed.has('format') ? format : undefined,
      name: 'history',
      rowType: 'images.historyReporter',
      defaultTemplate: '{{range .}}{{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}\n{{end -}}',
      headers: { CreatedBy: 'CREATED BY' },
    });
  }
  process.stdout.write(out);
  return 0;
}
