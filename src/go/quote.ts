/** Go's strconv.Quote: the quoting Go programs (and so podman's messages and logs) use. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out += quoteRune(cp, ch, '"');
  }
  return `${out}"`;
}

/** Made on first use: a Unicode property class costs its compilation at every start otherwise. */
let printRE: RegExp | undefined;

/** strconv.IsPrint for a non-ASCII character: letters, marks, numbers, punctuation, symbols. */
export function isPrintRune(ch: string): boolean {
  return (printRE ??= /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u).test(ch);
}

/** One character of a Go quoted string or rune literal delimited by `quote`. */
export function quoteRune(cp: number, ch: string, quote: string): string {
  if (ch === quote || ch === '\\') return `\\${ch}`;
  if (cp === 0x20 || (cp > 0x20 && cp < 0x7f)) return ch;
  if (cp >= 0x80 && isPrintRune(ch)) return ch;
  switch (cp) {
    case 7:
      return '\\a';
    case 8:
      return '\\b';
    case 12:
      return '\\f';
    case 10:
      return '\\n';
    case 13:
      return '\\r';
    case 9:
      return '\\t';
    case 11:
      return '\\v';
  }
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp >= 0xd800 && cp <= 0xdfff) return '\\ufffd';
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** strconv.CanBackquote: whether `s` can be written as a raw string literal without change. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if ((cp < 0x20 && ch !== '\t') || ch === '`' || cp === 0x7f || cp === 0xfeff) return false;
  }
  return true;
}
