import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { log } from '../log.js';
import type { Signature } from '../trust/signature.js';

/**
 * The names journal, ROOT/names.journal: one JSON object per line, append-only, fsync'd. Every
 * index transaction that changes names, images, signatures or manifest lists appends its
 * entries just before it commits,
 * so `berth system recover` can bring names back when index.db is lost. A crash between the
 * append and the commit leaves entries of a change that did not commit (recover then applies
 * it); a transaction that fails after its append writes an `abort` entry for its `tx`.
 */
export type JournalEntry =
  /** The image `id` was recorded with primary manifest `manifest` (displayed digest `digest`). */
  | { op: 'image'; id: string; manifest: string; digest: string }
  /** `name` now points at image `id` (moved from whatever image had it). */
  | { op: 'name'; name: string; id: string }
  /** `name` was removed from image `id`. */
  | { op: 'untag'; name: string; id: string }
  /** Image `id` was removed (with all its names and signatures). */
  | { op: 'rmi'; id: string }
  /**
   * The signatures of manifest `manifest` of image `id` are now exactly `sigs` (in order).
   * They live only in the index, so the journal carries them whole.
   */
  | { op: 'sigs'; id: string; manifest: string; sigs: JournalSignature[] }
  /**
   * The manifest list `id` (berth manifest) now has this document and instance sources: its
   * whole state, so that the last entry of a list is the list.
   */
  | { op: 'list'; id: string; created: string; document: string; sources: string }
  /** `name` now names the manifest list `id`. */
  | { op: 'list-name'; name: string; id: string }
  /** `name` no longer names the manifest list `id`. */
  | { op: 'list-untag'; name: string; id: string }
  /** The manifest list `id` was removed (with all its names). */
  | { op: 'list-rm'; id: string };

/** A signature as journaled: its bytes in base64. */
export type JournalSignature =
  { kind: 'simple'; data: string } | { kind: 'sigstore'; mediaType: string; payload: string; annotations: Record<string, string> };

type Line = (JournalEntry & { tx: string }) | { op: 'abort'; tx: string };

export const JOURNAL_FILE = 'names.journal';

export class Journal {
  readonly file: string;
  constructor(root: string) {
    this.file = join(root, JOURNAL_FILE);
  }

  exists(): boolean {
    return existsSync(this.file);
  }

  /** Create the (empty) journal of a store that has no names yet. */
  create(): void {
    this.write('');
  }

  /** Append the entries of transaction `tx` durably (one write, then fdatasync). */
  append(tx: string, entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    // each line starts with a newline: an entry torn by a crash never swallows the next one
    try {
      this.write(entries.map((e) => `\n${JSON.stringify({ ...e, tx })}`).join(''));
    } catch (e) {
      // a full disk must not stop rmi or untag from freeing space: the change goes on unjournaled
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOSPC' && code !== 'EDQUOT') throw e;
      log.warn(`${this.file}: no space left to journal a change; "berth system recover" may not restore names changed now`);
    }
  }

  /** Mark transaction `tx` as not committed (its entries are ignored by `read`). */
  abort(tx: string): void {
    try {
      this.write(`\n${JSON.stringify({ op: 'abort', tx })}`);
    } catch {
      /* best effort: the transaction already failed */
    }
  }

  /** Every entry of transactions not aborted, oldest first, with its transaction. A torn line (crash) is skipped. */
  read(): (JournalEntry & { tx: string })[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    const lines: Line[] = [];
    for (const l of text.split('\n')) {
      if (!l) continue;
      try {
        lines.push(JSON.parse(l) as Line);
      } catch {
        /* torn or foreign line */
      }
    }
    const aborted = new Set(lines.filter((l) => l.op === 'abort').map((l) => l.tx));
    return lines.filter((l): l is JournalEntry & { tx: string } => l.op !== 'abort' && !aborted.has(l.tx));
  }

  private write(text: string): void {
    const fd = openSync(this.file, 'a', 0o600);
    try {
      writeSync(fd, text);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** Signatures as the journal carries them. */
export function journalSignatures(sigs: readonly Signature[]): JournalSignature[] {
  return sigs.map((s) =>
    s.kind === 'simple'
      ? { kind: 'simple', data: s.data.toString('base64') }
      : { kind: 'sigstore', mediaType: s.mediaType, payload: s.payload.toString('base64'), annotations: s.annotations },
  );
}

/** Signatures back from their journal form. */
export function signaturesFromJournal(sigs: readonly JournalSignature[]): Signature[] {
  return sigs.map((s) =>
    s.kind === 'simple'
      ? { kind: 'simple', data: Buffer.from(s.data, 'base64') }
      : { kind: 'sigstore', mediaType: s.mediaType, payload: Buffer.from(s.payload, 'base64'), annotations: s.annotations },
  );
}
