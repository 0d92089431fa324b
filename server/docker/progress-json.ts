/**
 * Docker's JSON message stream: the body of POST /images/create, /images/{name}/push and
 * /images/load. One JSON object per line ("\r\n"), with dockerd's field names and order, built
 * from the library's typed ProgressEvents. Clients (docker CLI, dockerode, compose,
 * Testcontainers) read `status` and `id` to draw one row per layer, `progressDetail` for
 * numbers, `progress` for a ready-made bar, `errorDetail`/`error` for a failure after the
 * stream started, and `aux` for out-of-band results (a push's digest).
 */
import type { Digest, ProgressEvent } from '../../src/index.js';

export interface DockerProgressDetail {
  current?: number;
  total?: number;
}

/** One message of the stream (dockerd's JSONMessage, the fields it still writes). */
export interface DockerMessage {
  stream?: string;
  status?: string;
  progressDetail?: DockerProgressDetail;
  /** The bar, pre-rendered as dockerd renders it for a 200-column terminal. */
  progress?: string;
  id?: string;
  errorDetail?: { code?: number; message: string };
  /** The same text as errorDetail.message (older clients read this one). */
  error?: string;
  aux?: unknown;
}

/** One line of the stream: fields in dockerd's order, empty ones left out (Go's omitempty). */
export function encodeMessage(m: DockerMessage): string {
  const o: Record<string, unknown> = {};
  if (m.stream) o.stream = m.stream;
  if (m.status) o.status = m.status;
  if (m.progressDetail) {
    const d: DockerProgressDetail = {};
    if (m.progressDetail.current) d.current = m.progressDetail.current;
    if (m.progressDetail.total) d.total = m.progressDetail.total;
    o.progressDetail = d;
  }
  if (m.progress) o.progress = m.progress;
  if (m.id) o.id = m.id;
  if (m.errorDetail) o.errorDetail = m.errorDetail;
  if (m.error) o.error = m.error;
  if (m.aux !== undefined) o.aux = m.aux;
  return `${JSON.stringify(o)}\r\n`;
}

/** A status line without progress (dockerd's progress.Message): "Digest: ...", "Pulling from ...". */
export function statusMessage(status: string, id?: string): DockerMessage {
  return id ? { status, id } : { status };
}

/** A layer's state change (dockerd's progress.Update): "Pulling fs layer", "Pushed"... with an empty progressDetail. */
export function updateMessage(id: string, status: string): DockerMessage {
  return { status, progressDetail: {}, id };
}

/** A layer's bytes so far: progressDetail and the rendered bar. */
export function progressMessage(id: string, status: string, current: number, total: number): DockerMessage {
  const progress = progressBar(current, total);
  return { status, progressDetail: { current, total }, ...(progress ? { progress } : {}), id };
}

/** A failure after the stream started: clients stop there and report `message`. */
export function errorMessage(message: string): DockerMessage {
  return { errorDetail: { message }, error: message };
}

/** Out-of-band data (a push's {Tag, Digest, Size}). */
export function auxMessage(aux: unknown): DockerMessage {
  return { progressDetail: {}, aux };
}

/** Text meant for the user's terminal ("Loaded image: busybox:latest\n"). */
export function streamMessage(text: string): DockerMessage {
  return { stream: text };
}

/** A size as Docker prints it (go-units HumanSize: decimal units, 4 significant digits): "1.235MB", "512B". */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}

/**
 * The bar dockerd put in `progress`: "[=====>      ] 1.2MB/4.5MB" (50 columns; sizes
 * right-aligned in 8). Without a total, the size alone; with neither, nothing.
 */
export function progressBar(current: number, total: number): string {
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return humanSize(current).padStart(8);
  const pct = Math.min(Math.trunc((current / total) * 100) >> 1, 50);
  const bar = `[${'='.repeat(pct)}>${' '.repeat(Math.max(50 - pct, 0))}] `;
  const numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return bar + numbers;
}

/** A layer's row id: its digest's first 12 hex digits, as dockerd's TruncateID. */
export function shortId(digest: string): string {
  const hex = digest.slice(digest.indexOf(':') + 1);
  return hex.slice(0, 12);
}

type Send = (m: DockerMessage) => void;

/** "Retrying in 1 second" / "Retrying in 5 seconds" (dockerd's words). */
function retryingIn(delayMs: number): string {
  const s = Math.max(1, Math.ceil(delayMs / 1000));
  return `Retrying in ${s} second${s === 1 ? '' : 's'}`;
}

/**
 * Per-layer rows shared by pull and push: every layer is announced once when the image is
 * resolved (`announce`), those beyond the engine's concurrency then wait, and bytes are
 * reported with `action` ("Downloading", "Pushing").
 */
class LayerRows {
  private readonly rows = new Map<string, { shown: number; total: number; finished: boolean }>();
  private retryDelayMs = 1000;

  constructor(
    private readonly send: Send,
    private readonly action: string,
    private readonly concurrency: number,
  ) {}

  /** Announce the image's layers (once each): `first` for all, "Waiting" for those that cannot start yet. */
  announce(layers: readonly Digest[], first: string): void {
    const fresh = layers.filter((d, i) => !this.rows.has(d) && layers.indexOf(d) === i);
    for (const d of fresh) {
      this.rows.set(d, { shown: -1, total: 0, finished: false });
      this.send(updateMessage(shortId(d), first));
    }
    for (const d of fresh.slice(this.concurrency)) this.send(updateMessage(shortId(d), 'Waiting'));
  }

  /** The row of a layer the image did not announce (a source that gives no layer list). */
  private row(d: Digest, first: string) {
    let r = this.rows.get(d);
    if (!r) {
      r = { shown: -1, total: 0, finished: false };
      this.rows.set(d, r);
      this.send(updateMessage(shortId(d), first));
    }
    return r;
  }

  bytes(d: Digest, current: number, total: number | undefined, first: string): void {
    const r = this.row(d, first);
    if (r.finished) return;
    if (total !== undefined) r.total = total;
    if (current === r.shown) return;
    r.shown = current;
    this.send(progressMessage(shortId(d), this.action, current, r.total));
  }

  /** The layer's bytes are all through: a full bar (when the last one was not), then `states` in order. */
  complete(d: Digest, total: number | undefined, first: string, states: string[]): void {
    const r = this.row(d, first);
    if (r.finished) return;
    const size = total ?? r.total;
    if (r.shown !== size) this.bytes(d, size, size, first);
    r.finished = true;
    for (const s of states) this.send(updateMessage(shortId(d), s));
  }

  /** The destination has the layer already. */
  exists(d: Digest, first: string, state: string): void {
    const r = this.row(d, first);
    if (r.finished) return;
    r.finished = true;
    this.send(updateMessage(shortId(d), state));
  }

  retrying(d: Digest, first: string): void {
    const r = this.row(d, first);
    if (!r.finished) this.send(updateMessage(shortId(d), retryingIn(this.retryDelayMs)));
  }

  noteRetryDelay(ms: number): void {
    this.retryDelayMs = ms;
  }
}

/** dockerd's max-concurrent-downloads/uploads default: the layers beyond it are shown "Waiting". */
export const DOCKER_CONCURRENCY = 3;

export interface PullProgressOptions {
  /** The row id of "Pulling from": the tag ("latest"), or the whole reference when pulling by digest. */
  tagOrDigest: string;
  /** The repository as Docker names it in that line ("library/busybox", "127.0.0.1:5000/app"). */
  familiarName: string;
  /** How many layers the engine copies at once (default 3, dockerd's). */
  concurrency?: number;
  /** Every tag of the repository is pulled: each image's row id is its tag. */
  allTags?: boolean;
}

/** The tag of a resolved source ("docker://host/repo:tag" -> "tag"); "" when it has none. */
function tagOfSource(ref: string): string {
  const last = ref.slice(ref.lastIndexOf('/') + 1).split('@')[0]!;
  const i = last.indexOf(':');
  return i < 0 ? '' : last.slice(i + 1);
}

/**
 * A pull as dockerd reports it: "Pulling from", per layer "Pulling fs layer", "Waiting",
 * "Downloading" (bytes), "Verifying Checksum", "Download complete", "Pull complete" or
 * "Already exists", "Digest:" at the end of each image, then `finish` writes "Status:". berth verifies and stores a
 * layer as it downloads it (no separate extraction), so no "Extracting" rows are written.
 */
export class PullProgress {
  private rows: LayerRows;
  private resolved = false;
  private manifestDigest?: Digest;
  /** Whether any layer was fetched (not found at the destination). */
  fetched = false;

  constructor(
    private readonly send: Send,
    private readonly o: PullProgressOptions,
  ) {
    this.rows = new LayerRows(send, 'Downloading', o.concurrency ?? DOCKER_CONCURRENCY);
  }

  /** The digest Docker prints after the pull: the list's when the image came from one. */
  get digest(): Digest | undefined {
    return this.manifestDigest;
  }

  readonly onProgress = (e: ProgressEvent): void => {
    switch (e.kind) {
      case 'resolved':
        // once, unless every tag is pulled (then once per image); a retry from another source repeats none
        if (!this.resolved || this.o.allTags) {
          // each image of an all-tags pull gets its own rows, as in dockerd
          if (this.resolved) this.rows = new LayerRows(this.send, 'Downloading', this.o.concurrency ?? DOCKER_CONCURRENCY);
          this.resolved = true;
          this.manifestDigest = e.indexDigest ?? e.manifestDigest;
          this.send(statusMessage(`Pulling from ${this.o.familiarName}`, this.o.allTags ? tagOfSource(e.ref) : this.o.tagOrDigest));
        }
        this.rows.announce(e.layers ?? [], 'Pulling fs layer');
        return;
      case 'blob':
        if (e.isConfig) return;
        switch (e.state) {
          case 'exists':
          case 'skipped':
            return this.rows.exists(e.digest, 'Pulling fs layer', 'Already exists');
          case 'start':
          case 'resumed':
          case 'copying':
            return this.rows.bytes(e.digest, e.bytes ?? 0, e.total, 'Pulling fs layer');
          case 'done':
            this.fetched = true;
            return this.rows.complete(e.digest, e.total, 'Pulling fs layer', ['Verifying Checksum', 'Download complete', 'Pull complete']);
          case 'retrying':
            return this.rows.retrying(e.digest, 'Pulling fs layer');
        }
        return;
      case 'retry':
        return this.rows.noteRetryDelay(e.delayMs);
      case 'done':
        if (this.manifestDigest) this.send(statusMessage(`Digest: ${this.manifestDigest}`));
        return;
      case 'message':
        // podman's "Trying to pull ..." has no Docker counterpart; warnings do matter
        if (e.text.startsWith('WARNING')) this.send(statusMessage(e.text));
        return;
      default:
        return;
    }
  };

  /**
   * The closing line: "Status: Downloaded newer image for NAME" (`updated`: the name now
   * points at an image it did not point at before) or "Status: Image is up to date for NAME".
   * ("Digest: sha256:..." was written when the image's copy ended.)
   */
  finish(familiarRef: string, updated: boolean): void {
    this.send(
      statusMessage(updated ? `Status: Downloaded newer image for ${familiarRef}` : `Status: Image is up to date for ${familiarRef}`),
    );
  }
}

export interface PushProgressOptions {
  /** How many layers the engine copies at once (default 3, dockerd's). */
  concurrency?: number;
}

/**
 * A push as dockerd reports it: "The push refers to repository [NAME]" (`header`), per layer
 * "Preparing", "Waiting", "Pushing" (bytes), "Pushed" or "Layer already exists", then `finish`
 * writes "TAG: digest: sha256:... size: N" and the aux {Tag, Digest, Size}.
 */
export class PushProgress {
  private readonly rows: LayerRows;

  constructor(
    private readonly send: Send,
    o: PushProgressOptions = {},
  ) {
    this.rows = new LayerRows(send, 'Pushing', o.concurrency ?? DOCKER_CONCURRENCY);
  }

  /** The first line: the repository with its registry ("docker.io/library/busybox"). */
  header(repository: string): void {
    this.send(statusMessage(`The push refers to repository [${repository}]`));
  }

  readonly onProgress = (e: ProgressEvent): void => {
    switch (e.kind) {
      case 'resolved':
        return this.rows.announce(e.layers ?? [], 'Preparing');
      case 'blob':
        if (e.isConfig) return;
        switch (e.state) {
          case 'exists':
          case 'skipped':
            return this.rows.exists(e.digest, 'Preparing', 'Layer already exists');
          case 'start':
          case 'resumed':
          case 'copying':
            return this.rows.bytes(e.digest, e.bytes ?? 0, e.total, 'Preparing');
          case 'done':
            return this.rows.complete(e.digest, e.total, 'Preparing', ['Pushed']);
          case 'retrying':
            return this.rows.retrying(e.digest, 'Preparing');
        }
        return;
      case 'retry':
        return this.rows.noteRetryDelay(e.delayMs);
      default:
        return;
    }
  };

  /** "latest: digest: sha256:... size: 528", then the aux message clients read the digest from. */
  finish(tag: string, digest: Digest, size: number): void {
    this.send(statusMessage(`${tag}: digest: ${digest} size: ${size}`));
    this.send(auxMessage({ Tag: tag, Digest: digest, Size: size }));
  }
}

/**
 * A load (not quiet) as dockerd reports it: one "Loading layer" bar per layer. The "Loaded
 * image" lines are `streamMessage`s written by the caller.
 */
export function loadProgress(send: Send): (e: ProgressEvent) => void {
  const rows = new Map<string, number>();
  return (e) => {
    if (e.kind !== 'blob' || e.isConfig || e.state === 'retrying') return;
    const total = e.total ?? 0;
    // a layer the store has already is read through as well in dockerd's load: a full bar
    const current = e.state === 'done' || e.state === 'exists' || e.state === 'skipped' ? total : (e.bytes ?? 0);
    if (rows.get(e.digest) === current) return;
    rows.set(e.digest, current);
    send(progressMessage(shortId(e.digest), 'Loading layer', current, total));
  };
}
