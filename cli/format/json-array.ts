// Kept apart from output.ts so that JSON listings load no template engine.
import { writeStdout } from '../stdout-use.js';

/** How many bytes are gathered into one write (a write per element costs more than copying it). */
const CHUNK = 256 << 10;

const OPEN = Buffer.from('[\n    ');
const NEXT = Buffer.from(',\n    ');
const CLOSE = Buffer.from('\n]\n');
const EMPTY = Buffer.from('[]\n');

/**
 * An encoded element as writeJSONArray should be given it when the same element is written
 * many times (a listing prints an image's element once per name): its bytes, encoded once.
 * Bytes live outside V8's heap, so the young-generation collections that a listing triggers
 * do not copy them again and again, as they did the element strings.
 */
export function jsonElement(text: string): Buffer {
  return Buffer.from(text);
}

/**
 * Write a JSON array whose elements are already encoded (4-space indented, as
 * json.MarshalIndent prints them inside an array) straight to `to` (default: stdout), gathered
 * into buffers of about CHUNK bytes with backpressure: the whole document is never held in
 * memory, however long it is.
 */
export async function writeJSONArray(elements: Iterable<string | Buffer>, to?: NodeJS.WritableStream): Promise<void> {
  const write = (b: Buffer) =>
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
  // a buffer handed to a write is never filled again (a stream may still hold it)
  let buf = Buffer.allocUnsafe(CHUNK);
  let used = 0;
  const flush = async () => {
    if (used === 0) return;
    const full = buf.subarray(0, used);
    buf = Buffer.allocUnsafe(CHUNK);
    used = 0;
    await write(full);
  };
  const put = (b: Buffer) => {
    b.copy(buf, used);
    used += b.length;
  };
  let first = true;
  for (const e of elements) {
    const bytes = typeof e === 'string' ? Buffer.from(e) : e;
    if (used + NEXT.length + bytes.length > CHUNK) await flush();
    put(first ? OPEN : NEXT);
    first = false;
    if (bytes.length > CHUNK - used) {
      // a large element is written as it is: copying it would double the memory it holds
      await flush();
      await write(bytes);
      continue;
    }
    put(bytes);
  }
  const end = first ? EMPTY : CLOSE;
  if (used + end.length > CHUNK) await flush();
  put(end);
  await flush();
}
