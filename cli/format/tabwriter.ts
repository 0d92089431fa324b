/**
 * Column alignment compatible with Go's `text/tabwriter` (elastic tabstops), which podman
 * uses for table output: containers/common `pkg/report` wraps the output in
 * `tabwriter.NewWriter(w, 12, 2, 2, ' ', flags)` — minimum cell width 12, tab width 2,
 * padding 2, padded with spaces.
 *
 * Input is text whose cells are terminated by '\t' (hard tab) or '\v' (soft tab), whose
 * lines end with '\n', and where '\f' ends a line and also ends every column (like a
 * flush). Tab-terminated cells in contiguous lines form a column; every cell of a column
 * is padded to the column width = max(minWidth, widest cell + padding). The last cell of
 * a line is not part of any column and is never padded. Widths are counted in Unicode
 * code points, as Go counts runes.
 *
 * Not supported: the HTML filter and escaped segments (Go's 0xff escape byte cannot
 * occur in a JavaScript string).
 */
import { runeCount } from '../../src/go/index.js';

export const TabwriterFlags = {
  /** Force right-alignment of cell content. */
  AlignRight: 4,
  /** Columns made only of empty soft-tab ('\v') cells get width 0. */
  DiscardEmptyColumns: 8,
  /** Pad leading empty cells with tabs regardless of padChar. */
  TabIndent: 16,
  /** Print '|' between columns. */
  Debug: 32,
} as const;

export interface TabwriterOptions {
  /** Minimal cell width including padding. */
  minWidth: number;
  /** Width of a tab character, used when padding with tabs. */
  tabWidth: number;
  /** Added to the widest cell of a column to get the column width. */
  padding: number;
  /** Single padding character; '\t' means pad with tabs (implies left alignment). */
  padChar: string;
  /** Bitwise OR of TabwriterFlags. */
  flags?: number;
}

/** The settings podman's report package uses for table output. */
export const PODMAN_TABWRITER_OPTIONS: Readonly<TabwriterOptions> = Object.freeze({
  minWidth: 12,
  tabWidth: 2,
  padding: 2,
  padChar: ' ',
  flags: 0,
});

interface Cell {
  text: string;
  width: number;
  htab: boolean;
}

class Formatter {
  private readonly out: string[] = [];
  private readonly widths: number[] = [];
  private readonly flags: number;

  constructor(
    private readonly lines: Cell[][],
    private readonly opts: TabwriterOptions,
  ) {
    let flags = opts.flags ?? 0;
    if (opts.padChar === '\t') flags &= ~TabwriterFlags.AlignRight;
    this.flags = flags;
  }

  run(): string {
    this.format(0, this.lines.length);
    return this.out.join('');
  }

  private padding(textw: number, cellw: number, useTabs: boolean): void {
    const { padChar, tabWidth } = this.opts;
    if (padChar === '\t' || useTabs) {
      if (tabWidth === 0) return;
      const w = Math.ceil(cellw / tabWidth) * tabWidth;
      const n = w - textw;
      this.out.push('\t'.repeat(Math.ceil(n / tabWidth)));
      return;
    }
    if (cellw > textw) this.out.push(padChar.repeat(cellw - textw));
  }

  private writeLines(line0: number, line1: number): void {
    const { widths, flags } = this;
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i];
      let useTabs = (flags & TabwriterFlags.TabIndent) !== 0;
      for (let j = 0; j < line.length; j++) {
        const c = line[j];
        if (j > 0 && flags & TabwriterFlags.Debug) this.out.push('|');
        if (c.text === '') {
          if (j < widths.length) this.padding(c.width, widths[j], useTabs);
          continue;
        }
        useTabs = false;
        if (flags & TabwriterFlags.AlignRight) {
          if (j < widths.length) this.padding(c.width, widths[j], false);
          this.out.push(c.text);
        } else {
          this.out.push(c.text);
          if (j < widths.length) this.padding(c.width, widths[j], false);
        }
      }
      // The last line is the (possibly empty) text after the final newline.
      if (i + 1 < this.lines.length) this.out.push('\n');
    }
  }

  /** Formats lines [line0, line1) given the widths of the columns to the left. */
  private format(line0: number, line1: number): void {
    const column = this.widths.length;
    for (let cur = line0; cur < line1; cur++) {
      if (column >= this.lines[cur].length - 1) continue;
      // A column block starts here: print the lines before it with the known widths.
      this.writeLines(line0, cur);
      line0 = cur;
      let width = this.opts.minWidth;
      let discardable = true;
      for (; cur < line1; cur++) {
        const line = this.lines[cur];
        if (column >= line.length - 1) break;
        const c = line[column];
        const w = c.width + this.opts.padding;
        if (w > width) width = w;
        if (c.width > 0 || c.htab) discardable = false;
      }
      if (discardable && this.flags & TabwriterFlags.DiscardEmptyColumns) width = 0;
      this.widths.push(width);
      this.format(line0, cur);
      this.widths.pop();
      line0 = cur;
    }
    this.writeLines(line0, line1);
  }
}

function splitCells(text: string): Cell[][] {
  const lines: Cell[][] = [[]];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 9 || ch === 10 || ch === 11) {
      const cellText = text.slice(start, i);
      lines[lines.length - 1].push({ text: cellText, width: runeCount(cellText), htab: ch === 9 });
      start = i + 1;
      if (ch === 10) lines.push([]);
    }
  }
  if (start < text.length) {
    const cellText = text.slice(start);
    lines[lines.length - 1].push({ text: cellText, width: runeCount(cellText), htab: false });
  }
  return lines;
}

/** Aligns tab-separated text in one go (equivalent to writing it all, then flushing). */
export function tabwrite(text: string, opts: TabwriterOptions = PODMAN_TABWRITER_OPTIONS): string {
  if (opts.minWidth < 0 || opts.tabWidth < 0 || opts.padding < 0) {
    throw new RangeError('tabwriter: negative minWidth, tabWidth, or padding');
  }
  if (opts.padChar.length !== 1) throw new RangeError('tabwriter: padChar must be a single character');
  // A form feed terminates all columns: format each section on its own.
  const sections = text.split('\f');
  return sections.map((section, i) => new Formatter(splitCells(i < sections.length - 1 ? `${section}\n` : section), opts).run()).join('');
}

/** Streaming interface like Go's tabwriter.Writer: write() any number of times, then flush(). */
export class TabWriter {
  private readonly chunks: string[] = [];

  constructor(private readonly opts: TabwriterOptions = PODMAN_TABWRITER_OPTIONS) {}

  write(text: string): this {
    this.chunks.push(text);
    return this;
  }

  /** Returns the aligned text buffered so far and resets the writer. */
  flush(): string {
    const text = this.chunks.join('');
    this.chunks.length = 0;
    return tabwrite(text, this.opts);
  }
}

/** A podman table: the header row (none when `header` is undefined), then one row per entry, aligned. */
export function formatTable(header: readonly string[] | undefined, rows: readonly (readonly string[])[]): string {
  const lines = header ? [header, ...rows] : rows;
  return tabwrite(lines.map((cells) => `${cells.join('\t')}\n`).join(''), PODMAN_TABWRITER_OPTIONS);
}
