/**
 * Lookaside signature storage: signature-1..N read in order until the first missing one
 * (file:// and http), written to file:// replacing older ones, refused for http(s), and
 * `image sign`'s append as the next free signature-N.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { digestOf } from '../../../../src/digest/digest.js';
import {
  appendLookasideSignature,
  lookasideSignatureURL,
  readLookasideSignatures,
  writeLookasideSignatures,
} from '../../../../src/transports/docker/lookaside.js';
import { expectError } from '../../../helpers/expect-error.js';

const D = digestOf('manifest');
const HEX = D.slice('sha256:'.length);

describe('lookaside signature storage', () => {
  let dir: string;
  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-lookaside-'));
  });
  after(() => fsp.rm(dir, { recursive: true, force: true }));

  test('signature URLs: BASE/REPO@sha256=HEX/signature-N', () => {
    assert.equal(lookasideSignatureURL(new URL('https://h/x/ns/app'), D, 0).href, `https://h/x/ns/app@sha256=${HEX}/signature-1`);
    assert.throws(() => lookasideSignatureURL(new URL('file:///x'), 'sha256:../x' as never, 0), expectError('INVALID_DIGEST'));
  });

  test('file://: written, read back in order, later ones removed on rewrite; none is []', async () => {
    const base = pathToFileURL(path.join(dir, 'store', 'ns/app'));
    assert.deepEqual(await readLookasideSignatures(base, D), []);
    await writeLookasideSignatures(base, D, [Buffer.from('one'), Buffer.from('two'), Buffer.from('three')]);
    const sigDir = path.join(dir, 'store', `ns/app@sha256=${HEX}`);
    assert.deepEqual((await fsp.readdir(sigDir)).sort(), ['signature-1', 'signature-2', 'signature-3']);
    assert.deepEqual((await readLookasideSignatures(base, D)).map(String), ['one', 'two', 'three']);
    await writeLookasideSignatures(base, D, [Buffer.from('only')]);
    assert.deepEqual((await readLookasideSignatures(base, D)).map(String), ['only']);
    assert.deepEqual(await fsp.readdir(sigDir), ['signature-1']);
    // image sign appends after the existing ones
    const p = appendLookasideSignature(base, D, Buffer.from('appended'));
    assert.equal(p, path.join(sigDir, 'signature-2'));
    assert.deepEqual((await readLookasideSignatures(base, D)).map(String), ['only', 'appended']);
  });

  test('http: read until 404, other statuses are errors; writing to http is refused', async () => {
    const served = new Map([
      [`/ns/app@sha256=${HEX}/signature-1`, 'first'],
      [`/ns/app@sha256=${HEX}/signature-2`, 'second'],
    ]);
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req.url!);
      if (req.headers.authorization) res.writeHead(400).end();
      else if (req.url!.startsWith('/broken/')) res.writeHead(500).end('boom');
      else if (served.has(req.url!)) res.end(served.get(req.url!));
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const got = await readLookasideSignatures(new URL(`http://127.0.0.1:${port}/ns/app`), D, { retry: { max: 0 } });
      assert.deepEqual(got.map(String), ['first', 'second']);
      assert.equal(requests.length, 3);
      await assert.rejects(
        readLookasideSignatures(new URL(`http://127.0.0.1:${port}/broken/app`), D, { retry: { max: 0 } }),
        expectError(
          'REGISTRY_ERROR',
          /reading signature from http:\/\/127\.0\.0\.1:\d+\/broken\/app@sha256=[0-9a-f]+\/signature-1: received unexpected HTTP status: 500/,
        ),
      );
      await assert.rejects(
        writeLookasideSignatures(new URL(`http://127.0.0.1:${port}/ns/app`), D, [Buffer.from('x')]),
        expectError('UNSUPPORTED', /Writing directly to a http lookaside .* is not supported. Configure a lookaside-staging: location/),
      );
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('other schemes are refused', async () => {
    await assert.rejects(
      readLookasideSignatures(new URL('ftp://h/x'), D),
      expectError('UNSUPPORTED', /Unsupported scheme when reading signature from ftp:/),
    );
  });
});
