// Kept apart from output.ts so that JSON listings load no template engine.

/** How many bytes are gathered into one write (a write per element costs more than encoding it). */
const CHUNK = 256 << 10;

/**
 * Write a JSON array whose elements are already encoded (4-space indented, as
 * json.MarshalIndent prints them inside an array) straight to `out`, in chunks of about
 * CHUNK bytes with backpressure: the whole document is never held in memory, however long
 * it is.
 */
export async function writeJSONArray(elements: Iterable<Buffer>, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const write = (b: Buffer | string) =>
    new Promise<void>((resolve, reject) => {
      if (out.write(b)) {
        resolve();
        return;
      }
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
  let parts: Buffer[] = [];
  let size = 0;
  let first = true;
  const flush = async () => {
    if (size === 0) return;
    await write(Buffer.concat(parts, size));
    parts = [];
    size = 0;
  };
  for (const e of elements) {
    const sep = Buffer.from(first ? '[\n    ' : ',\n    ');
    first = false;
    parts.push(sep);
    size += sep.length;
    // a large element is written as it is: copying it into a chunk would double the memory it holds
    if (e.length >= CHUNK) {
      await flush();
      await write(e);
      continue;
    }
    parts.push(e);
    size += e.length;
    if (size >= CHUNK) await flush();
  }
  parts.push(Buffer.from(first ? '[]\n' : '\n]\n'));
  await write(Buffer.concat(parts));
}
