// Kept apart from output.ts so that JSON listings load no template engine.
import { writeStdout } from '../stdout-use.js';

/** How many characters are gathered into one write (a write per element costs more than encoding it). */
const CHUNK = 256 << 10;

/**
 * An encoded element as writeJSONArray should be given it when the same element is written
 * many times: a large one as bytes, so that each write of it reuses them instead of encoding
 * the text again (a new copy outside V8's heap per write).
 */
export function jsonElement(text: string): string | Buffer {
  return text.length >= CHUNK ? Buffer.from(text) : text;
}

/**
 * Write a JSON array whose elements are already encoded (4-space indented, as
 * json.MarshalIndent prints them inside an array) straight to `to` (default: stdout), in chunks of about
 * CHUNK characters with backpressure: the whole document is never held in memory, however long
 * it is.
 */
export async function writeJSONArray(elements: Iterable<string | Buffer>, to?: NodeJS.WritableStream): Promise<void> {
  const write = (b: string | Buffer) =>
    new Promise<void>((resolve, reject) => {
      if (to ? to.write(b) : writeStdout(b)) {
        resolve();
        return;
      }
      const out = to ?? process.stdout;
      const done = (e?: Error) => {
        out.off('drain', onDrain);
        out.off('error', done);
        if (e) reject(e);
        else resolve();
      };
      const onDrain = () => done();
      out.once('drain', onDrain);
      out.once('error', done);
    });
  // Small elements are gathered as text, not Buffers: a Buffer per element is memory outside
  // V8's heap, whose growth makes V8 run full garbage collections while the listing is written.
  let chunk = '';
  let first = true;
  for (const e of elements) {
    chunk += first ? '[\n    ' : ',\n    ';
    first = false;
    // a large element is written as it is: copying it into a chunk would double the memory it holds
    if (typeof e !== 'string' || e.length >= CHUNK) {
      await write(chunk);
      chunk = '';
      await write(e);
      continue;
    }
    chunk += e;
    if (chunk.length >= CHUNK) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk + (first ? '[]\n' : '\n]\n'));
}
