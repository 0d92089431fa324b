// Kept apart from output.ts so that JSON listings load no template engine.

/**
 * Write a JSON array whose elements are already encoded (4-space indented, as
 * json.MarshalIndent prints them inside an array) straight to `out`, one element at a time
 * with backpressure: the whole document is never held in memory, however long it is.
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
  let first = true;
  for (const e of elements) {
    await write(first ? '[\n    ' : ',\n    ');
    await write(e);
    first = false;
  }
  await write(first ? '[]\n' : '\n]\n');
}
