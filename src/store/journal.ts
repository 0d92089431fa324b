import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { log } from '../log.js';

/**
 * The names journal, ROOT/names.journal: one JSON object per line, append-only, fsync'd. Every
 * index transaction that changes names or images appends its entries just before it commits,
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
  /** Image `id` was removed (with all its names). */
  | { op: 'rmi'; id: string };

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
