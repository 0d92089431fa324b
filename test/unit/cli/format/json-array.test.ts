import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { jsonElement, writeJSONArray } from '../../../../cli/format/json-array.js';

/** What writeJSONArray writes, and the size of each write. */
async function written(elements: (string | Buffer)[]): Promise<{ text: string; writes: number[] }> {
  const parts: Buffer[] = [];
  const to = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, cb) {
      parts.push(chunk); // kept as given: the writer must not refill what it handed over
      setImmediate(cb);
    },
  });
  await writeJSONArray(elements, to);
  return { text: Buffer.concat(parts).toString(), writes: parts.map((p) => p.length) };
}

const expected = (items: string[]) => (items.length ? `[\n    ${items.join(',\n    ')}\n]\n` : '[]\n');

test('a JSON array of encoded elements, gathered into writes of about 256 KiB', async () => {
  const CHUNK = 256 << 10;
  const sizes = [0, 1, 5, 40, CHUNK - 12, CHUNK - 6, CHUNK - 5, CHUNK, CHUNK + 1, 3 * CHUNK, 7, 100_000, 200_000];
  for (const n of [0, 1, 2, 3, 50]) {
    const items = Array.from({ length: n }, (_, i) => `{"i": ${i}, "s": "${'é'.repeat(i % 3)}${'x'.repeat(sizes[i % sizes.length]!)}"}`);
    // strings, and the bytes jsonElement gives for them (written many times: shared buffers)
    for (const given of [items, items.map((t) => jsonElement(t))]) {
      const { text, writes } = await written([...given]);
      assert.equal(text, expected(items), `${n} elements`);
      // a write ends at the first element that fills the chunk (bytes: up to 2 per character here)
      const largest = Math.max(0, ...items.map((t) => Buffer.byteLength(t)));
      for (const w of writes) assert.ok(w <= 2 * CHUNK + largest + 8, `a write of ${w} bytes`);
      if (n > 3) assert.ok(writes.length > 1, 'more than one write');
    }
  }
});

test('an element given many times is written each time', async () => {
  const e = jsonElement('{\n        "Id": "abc"\n    }');
  const { text } = await written([e, e, e]);
  assert.equal(text, expected(Array(3).fill('{\n        "Id": "abc"\n    }')));
});
