import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../../errors.js';
import { MAX_MANIFEST_SIZE, type Descriptor } from '../../media/index.js';
import { parseStrictJSON } from '../../media/strict-json.js';
import type { ImageRef } from '../types.js';
import { BlobClaims, OciDestination, type IndexKeeper } from './destination.js';
import { errnoCode, io, pathExists, writeFileAtomic } from './fs-util.js';
import { IndexJson } from './index-json.js';
import { OCI_LAYOUT_VERSION } from './reader.js';
import { OciRef, isValidRefName } from './ref.js';

const LAYOUT_FILE = Buffer.from(JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION }));

/** Read index.json of a layout being written to; undefined when absent. Refuses foreign layouts. */
async function loadIndex(root: string, what: string): Promise<IndexJson | undefined> {
  return io(loadIndexRaw(root, what), `${what}: cannot read the layout`);
}

async function loadIndexRaw(root: string, what: string): Promise<IndexJson | undefined> {
  try {
    const layout = await fsp.readFile(join(root, 'oci-layout'), 'utf8');
    const doc = parseStrictJSON(layout, `oci-layout file of ${what}`) as { imageLayoutVersion?: unknown } | null;
    if (doc?.imageLayoutVersion !== OCI_LAYOUT_VERSION) {
      throw new BerthError(
        'UNSUPPORTED',
        `${what}: refusing to write into an OCI layout of version ${JSON.stringify(String(doc?.imageLayoutVersion).slice(0, 40))}`,
      );
    }
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
  let bytes: Buffer;
  try {
    const st = await fsp.stat(join(root, 'index.json'));
    if (st.size > MAX_MANIFEST_SIZE)
      throw new BerthError('TOO_LARGE', `${what}: index.json is ${st.size} bytes, over the ${MAX_MANIFEST_SIZE}-byte limit`);
    bytes = await fsp.readFile(join(root, 'index.json'));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
  return IndexJson.parse(bytes, `index.json of ${what}`);
}

async function writeIndex(root: string, index: IndexJson): Promise<void> {
  await writeFileAtomic(join(root, 'oci-layout'), LAYOUT_FILE);
  await writeFileAtomic(join(root, 'index.json'), index.serialize());
}

/** Create the layout directory (and blobs/) if needed; returns whether we created it. */
async function prepareLayoutDir(root: string, what: string): Promise<boolean> {
  let existed = false;
  try {
    const st = await fsp.stat(root);
    if (!st.isDirectory()) throw new BerthError('INVALID_ARGUMENT', `${what}: ${root} exists and is not a directory`);
    existed = true;
  } catch (e) {
    if (e instanceof BerthError) throw e;
    if (errnoCode(e) !== 'ENOENT') throw new BerthError('IO', `${what}: ${(e as Error).message}`, { cause: e });
  }
  try {
    await fsp.mkdir(join(root, 'blobs'), { recursive: true });
  } catch (e) {
    throw new BerthError('IO', `${what}: cannot create the layout directory: ${(e as Error).message}`, { cause: e });
  }
  return !existed;
}

/** Serialize async work (index.json updates). */
class Mutex {
  private chain: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn);
    this.chain = p.then(
      () => {},
      () => {},
    );
    return p;
  }
}

/**
 * Standalone destination for "oci:DIR[:REF]": index.json is re-read at commit (so writers
 * of other images in the same layout are not overwritten) and replaced atomically.
 */
export async function openOciDestination(ref: OciRef): Promise<OciDestination> {
  if (ref.sourceIndex !== undefined)
    throw new BerthError('INVALID_ARGUMENT', `${ref}: a destination cannot use a source index (@${ref.sourceIndex})`);
  const what = ref.toString();
  const created = await prepareLayoutDir(ref.dir, what);
  try {
    await loadIndex(ref.dir, what); // fail early on a broken or foreign layout
  } catch (e) {
    if (created) await fsp.rm(ref.dir, { recursive: true, force: true });
    throw e;
  }
  const lock = new Mutex();
  const keeper: IndexKeeper = {
    addManifest: (desc: Descriptor) =>
      lock.run(async () => {
        const index = (await loadIndex(ref.dir, what)) ?? IndexJson.empty();
        index.addManifest(desc);
        await writeIndex(ref.dir, index);
      }),
  };
  return new OciDestination({
    ref,
    root: ref.dir,
    refName: ref.image,
    keeper,
    claims: new BlobClaims(),
    onDiscard: created
      ? async () => {
          if (!(await pathExists(join(ref.dir, 'index.json')))) await fsp.rm(ref.dir, { recursive: true, force: true });
        }
      : undefined,
  });
}

export interface LayoutWriterInternals {
  /** Layout written into. */
  root: string;
  what: string;
  /** Start from an empty index instead of the directory's index.json. */
  fresh: boolean;
  /** Write index.json at every commit (directory) or only at finish (archive staging). */
  persistEachCommit: boolean;
  refFor(refName: string | undefined): ImageRef;
}

/**
 * Writes several images into one OCI layout directory: `open(dir)`, then
 * `newDestination(refName?)` per image (copy into it, commit, close), then `finish()`.
 * `abort()` gives up; a directory the writer created is removed.
 */
export class OciLayoutWriter {
  private readonly claims = new BlobClaims();
  private readonly lock = new Mutex();
  private done = false;
  private commits = 0;

  private constructor(
    private readonly cfg: LayoutWriterInternals,
    private readonly index: IndexJson,
    private readonly createdRoot: boolean,
  ) {}

  get root(): string {
    return this.cfg.root;
  }
  /** Number of images committed so far. */
  get committedImages(): number {
    return this.commits;
  }

  static async open(dir: string): Promise<OciLayoutWriter> {
    return OciLayoutWriter.openWith({
      root: dir,
      what: `oci:${dir}`,
      fresh: false,
      persistEachCommit: true,
      refFor: (n) => new OciRef(dir, n),
    });
  }

  /** For transports built on a layout (oci-archive stages one in a temp directory). */
  static async openWith(cfg: LayoutWriterInternals): Promise<OciLayoutWriter> {
    const created = await prepareLayoutDir(cfg.root, cfg.what);
    try {
      const index = (cfg.fresh ? undefined : await loadIndex(cfg.root, cfg.what)) ?? IndexJson.empty();
      return new OciLayoutWriter(cfg, index, created);
    } catch (e) {
      if (created) await fsp.rm(cfg.root, { recursive: true, force: true });
      throw e;
    }
  }

  /** A destination for one image; `refName` becomes its org.opencontainers.image.ref.name. */
  newDestination(refName?: string): OciDestination {
    if (this.done) throw new BerthError('INTERNAL', `${this.cfg.what}: writer already finished`);
    if (refName !== undefined && (refName === '' || !isValidRefName(refName))) {
      throw new BerthError('INVALID_REFERENCE', `${this.cfg.what}: invalid image name ${JSON.stringify(refName)} for an OCI layout`);
    }
    const keeper: IndexKeeper = {
      addManifest: (desc) =>
        this.lock.run(async () => {
          if (this.done) throw new BerthError('INTERNAL', `${this.cfg.what}: commit after the writer finished`);
          this.index.addManifest(desc);
          this.commits++;
          if (this.cfg.persistEachCommit) await writeIndex(this.cfg.root, this.index);
        }),
    };
    return new OciDestination({ ref: this.cfg.refFor(refName), root: this.cfg.root, refName, keeper, claims: this.claims });
  }

  /** The index as committed so far. */
  indexJson(): IndexJson {
    return this.index;
  }

  /** Write oci-layout and index.json (also when no image was committed: an empty layout). */
  async finish(): Promise<void> {
    await this.lock.run(async () => {
      if (this.done) return;
      await writeIndex(this.cfg.root, this.index);
      this.done = true;
    });
  }

  async abort(): Promise<void> {
    await this.lock.run(async () => {
      if (this.done) return;
      this.done = true;
      if (this.createdRoot) await fsp.rm(this.cfg.root, { recursive: true, force: true });
    });
  }
}
