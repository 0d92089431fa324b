import { goQuote } from './quote.js';

/**
 * Go's encoding/json words for the first syntax error of `input` ("invalid character 'h' in
 * literal true (expecting 'r')", "unexpected end of JSON input"), or undefined when it is
 * valid JSON. podman reports a damaged JSON file (policy.json, a manifest) with these words.
 * Go scans bytes: a character is named by its first byte, as Go's quoteChar does.
 */
export function goJSONSyntaxError(input: string | Uint8Array): string | undefined {
  const b = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  try {
    new Scanner(b).run();
    return undefined;
  } catch (e) {
    if (e instanceof SyntaxFailure) return e.message;
    throw e;
  }
}

class SyntaxFailure extends Error {}

/** Go's quoteChar: a byte as a quoted character literal. */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  return `'${goQuote(String.fromCharCode(c)).slice(1, -1)}'`;
}

const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

class Scanner {
  private i = 0;
  constructor(private readonly b: Uint8Array) {}

  run(): void {
    this.value();
    this.space();
    if (this.i < this.b.length) throw this.bad('after top-level value');
  }

  private eof(): SyntaxFailure {
    return new SyntaxFailure('unexpected end of JSON input');
  }

  private bad(context: string): SyntaxFailure {
    return new SyntaxFailure(`invalid character ${quoteChar(this.b[this.i]!)} ${context}`);
  }

  /** The next byte (after nothing skipped); end of input is an error. */
  private peek(): number {
    if (this.i >= this.b.length) throw this.eof();
    return this.b[this.i]!;
  }

  /**
   * The next byte where the end of input cuts a token short: Go's scanner then reads a space,
   * so the error names ' ' in the token's context (`-` alone: "invalid character ' ' in
   * numeric literal").
   */
  private need(context: string): number {
    if (this.i >= this.b.length) throw new SyntaxFailure(`invalid character ' ' ${context}`);
    return this.b[this.i]!;
  }

  private space(): void {
    const b = this.b;
    while (this.i < b.length && (b[this.i] === 0x20 || b[this.i] === 0x09 || b[this.i] === 0x0a || b[this.i] === 0x0d)) this.i++;
  }

  private value(): void {
    this.space();
    const c = this.peek();
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x22) return this.string();
    if (c === 0x2d || isDigit(c)) return this.number();
    if (c === 0x74) return this.literal('true');
    if (c === 0x66) return this.literal('false');
    if (c === 0x6e) return this.literal('null');
    throw this.bad('looking for beginning of value');
  }

  private object(): void {
    this.i++; // {
    this.space();
    if (this.peek() === 0x7d) {
      this.i++;
      return;
    }
    for (;;) {
      if (this.peek() !== 0x22) throw this.bad('looking for beginning of object key string');
      this.string();
      this.space();
      if (this.peek() !== 0x3a) throw this.bad('after object key');
      this.i++;
      this.value();
      this.space();
      const c = this.peek();
      this.i++;
      if (c === 0x7d) return;
      if (c !== 0x2c) {
        this.i--;
        throw this.bad('after object key:value pair');
      }
      this.space();
    }
  }

  private array(): void {
    this.i++; // [
    this.space();
    if (this.peek() === 0x5d) {
      this.i++;
      return;
    }
    for (;;) {
      this.value();
      this.space();
      const c = this.peek();
      if (c === 0x5d) {
        this.i++;
        return;
      }
      if (c !== 0x2c) throw this.bad('after array element');
      this.i++;
    }
  }

  private string(): void {
    this.i++; // "
    for (;;) {
      const c = this.peek();
      if (c === 0x22) {
        this.i++;
        return;
      }
      if (c === 0x5c) {
        this.i++;
        const e = this.need('in string escape code');
        if (e === 0x75) {
          this.i++;
          for (let k = 0; k < 4; k++) {
            if (!isHex(this.need('in \\u hexadecimal character escape'))) throw this.bad('in \\u hexadecimal character escape');
            this.i++;
          }
          continue;
        }
        if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) throw this.bad('in string escape code');
        this.i++;
        continue;
      }
      if (c < 0x20) throw this.bad('in string literal');
      this.i++;
    }
  }

  /** A number ends at the first byte that cannot continue it; a number cut short by the end is an error. */
  private number(): void {
    const b = this.b;
    if (b[this.i] === 0x2d) {
      this.i++;
      if (!isDigit(this.need('in numeric literal'))) throw this.bad('in numeric literal');
    }
    if (b[this.i] === 0x30) this.i++;
    else while (isDigit(b[this.i])) this.i++;
    if (b[this.i] === 0x2e) {
      this.i++;
      if (!isDigit(this.need('after decimal point in numeric literal'))) throw this.bad('after decimal point in numeric literal');
      while (isDigit(b[this.i])) this.i++;
    }
    if (b[this.i] === 0x65 || b[this.i] === 0x45) {
      this.i++;
      const exp = 'in exponent of numeric literal';
      if (this.need(exp) === 0x2b || this.need(exp) === 0x2d) this.i++;
      if (!isDigit(this.need(exp))) throw this.bad(exp);
      while (isDigit(b[this.i])) this.i++;
    }
  }

  private literal(word: string): void {
    this.i++; // its first letter
    for (let k = 1; k < word.length; k++) {
      const context = `in literal ${word} (expecting '${word[k]}')`;
      if (this.need(context) !== word.charCodeAt(k)) throw this.bad(context);
      this.i++;
    }
  }
}
