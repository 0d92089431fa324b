/**
 * The store's blob info cache is bounded: gc (and so rmi) forgets the pairs and locations only
 * removed blobs made useful, and each table keeps at most a fixed number of rows.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { Store, storeInternals } from '../../../src/store/index.js';
import { MAX_BLOB_LOCATION_ROWS, MAX_BLOB_PAIRS } from '../../../src/store/index-db.js';
import { digestOf, type Digest } from '../../../src/digest/index.js';
import { putImage } from './image-fixture.js';

let dir: string;
let n = 0;
before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-unit-bic-'));
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});
const fake = (s: string) => digestOf(Buffer.from(s));

/** An image of one uncompressed layer: its blobs in the store, recorded when `record`. */
async function image(s: Store, seed: string, record: boolean): Promise<{ layer: Digest; config: Digest }> {
  const { rec } = await putImage(s, seed);
  if (record) storeInternals(s).index.recordImage(rec, (d) => s.hasBlob(d));
  return { layer: rec.manifest.layers[0]!.digest, config: rec.configDigest };
}

/** A connection of the test's own to the store's index. */
const indexOf = (s: Store) => new Database(path.join(s.root, 'index.db'));
/** The cache's rows. */
const rows = (s: Store) => {
  const db = indexOf(s);
  try {
    return {
      pairs: (db.prepare(`SELECT uncompressed || '>' || compressed FROM blob_pairs`).pluck().all() as string[]).sort(),
      locations: (db.prepare(`SELECT digest || '@' || location FROM blob_locations`).pluck().all() as string[]).sort(),
    };
  } finally {
    db.close();
  }
};

test('gc forgets the pairs and locations only removed blobs made useful', async () => {
  const s = Store.open({ root: path.join(dir, `s${++n}`) });
  try {
    const kept = await image(s, 'kept', true);
    const gone = await image(s, 'gone', false); // its blobs are removed by gc
    const gzKept = fake('gzip of kept'); // only in a registry
    const gzGone = fake('gzip of gone');
    const other = fake('a layer the store never had');
    s.recordBlobInfo(
      [
        { uncompressed: kept.layer, compressed: gzKept, algorithm: 'gzip', size: 1 },
        { uncompressed: gone.layer, compressed: gzGone, algorithm: 'gzip', size: 1 },
        { uncompressed: other, compressed: fake('its gzip'), algorithm: 'gzip', size: 1 },
        // a compressed blob the store holds (an image pulled as is)
        { uncompressed: fake('a diffID'), compressed: kept.config, algorithm: 'gzip', size: 1 },
      ],
      [gzKept, gzGone, kept.config, gone.config, fake('something else')],
      'reg.example/repo',
    );
    assert.equal(s.gc().removed, 3);
    const after = rows(s);
    assert.deepEqual(after.pairs, [`${kept.layer}>${gzKept}`, `${fake('a diffID')}>${kept.config}`].sort());
    assert.deepEqual(after.locations, [`${gzKept}@reg.example/repo`, `${kept.config}@reg.example/repo`].sort());
    // nothing removed: nothing pruned
    s.recordBlobInfo([{ uncompressed: other, compressed: fake('x'), algorithm: 'gzip', size: 1 }], [], undefined);
    assert.equal(s.gc().removed, 0);
    assert.equal(rows(s).pairs.length, 3);
    // the check of the store is not troubled by the cache
    assert.deepEqual((await s.check()).problems, []);
  } finally {
    s.close();
  }
});

test('each table keeps at most its cap of rows, forgetting the least recently seen', () => {
  const s = Store.open({ root: path.join(dir, `s${++n}`) });
  const db = indexOf(s);
  try {
    const pair = db.prepare(`INSERT INTO blob_pairs (uncompressed, compressed, algorithm, size, seen) VALUES (?, ?, 'gzip', 1, ?)`);
    const loc = db.prepare(`INSERT INTO blob_locations (digest, location, seen) VALUES (?, 'reg.example/old', ?)`);
    db.transaction(() => {
      for (let i = 0; i < MAX_BLOB_PAIRS + 5; i++) pair.run(`u${i}`, `c${i}`, i);
      for (let i = 0; i < MAX_BLOB_LOCATION_ROWS + 5; i++) loc.run(`d${i}`, i);
    })();
    const fresh = fake('fresh');
    s.recordBlobInfo([{ uncompressed: fake('u'), compressed: fresh, algorithm: 'gzip', size: 1 }], [fresh], 'reg.example/new');
    const count = (t: string) => db.prepare(`SELECT count(*) FROM ${t}`).pluck().get();
    assert.equal(count('blob_pairs'), MAX_BLOB_PAIRS);
    assert.equal(count('blob_locations'), MAX_BLOB_LOCATION_ROWS);
    // the oldest went, the new ones stay
    assert.equal(db.prepare(`SELECT min(seen) FROM blob_pairs`).pluck().get(), 6);
    assert.equal(db.prepare(`SELECT min(seen) FROM blob_locations`).pluck().get(), 6);
    assert.equal(s.blobPairs(fake('u'))[0]?.compressed, fresh);
    assert.deepEqual(s.blobLocations(fresh), ['reg.example/new']);
  } finally {
    db.close();
    s.close();
  }
});
