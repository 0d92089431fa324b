// Kept apart from output.ts so that JSON listings load no template engine.
import { stdoutUnbuffered, writeStdout } from '../stdout-use.js';

/** How many bytes are gathered into one write (a write per element costs more than encoding it). */
const CHUNK = 256 << 10;

/**
 * An encoded element as writeJSONArray should be given it when the same element is written
 * many times: a large one as bytes, so that each write of it reuses them instead of encoding
 * the text again (a new copy outside V8's heap per write).
 */
export function jsonElement(text: string): string | Buffer {
  return fitsChunk(text) ? text : Buffer.from(text);
}

/** Whether `text` fits in a chunk that holds `used` bytes already (UTF-8: at most 3 bytes per UTF-16 unit). */
function fitsChunk(text: string, used = 0): boolean {
  return used + 3 * text.length <= CHUNK;
}

/**
 * Write a JSON array whose elements are already encoded (4-space indented, as
 * json.MarshalIndent prints them inside an array) straight to `to` (default: stdout), in chunks
 * of at most CHUNK bytes (or one large element) with backpressure: the whole document is never
 * held in memory, however long it is.
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
  // Elements are encoded straight into a buffer of CHUNK bytes, written out when the next one
  // might not fit. (Joining them into one string first made V8 copy the joined text whole
  // before encoding it, and encode it into a new buffer: twice the work, about 2 ms per MB.)
  let buf = Buffer.allocUnsafeSlow(CHUNK);
  let at = 0;
  const flush = async () => {
    if (at === 0) return;
    const full = buf.subarray(0, at);
    at = 0;
    await write(full);
    // the bytes went to the descriptor before writeStdout returned unless a stream took them,
    // which may hold on to them: then the next chunk needs a buffer of its own
    if (to !== undefined || !stdoutUnbuffered()) buf = Buffer.allocUnsafeSlow(CHUNK);
  };
  let first = true;
  for (const e of elements) {
    const sep = first ? '[\n    ' : ',\n    ';
    first = false;
    // a large element is written as it is: copying it into a chunk gains nothing
    if (typeof e !== 'string' || !fitsChunk(e)) {
      if (!fitsChunk(sep, at)) await flush();
      at += buf.write(sep, at);
      await flush();
      await write(e);
      continue;
    }
    if (!fitsChunk(e, at + 3 * sep.length)) await flush();
    at += buf.write(sep, at);
    at += buf.write(e, at);
  }
  const end = first ? '[]\n' : '\n]\n';
  if (!fitsChunk(end, at)) await flush();
  at += buf.write(end, at);
  await flush();
}
