/**
 * Signature policy refusals through the CLI: each is one line with containers/image's or
 * podman's words, exit 125, and leaves the store exactly as it was (same images, same blobs).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { writeTinyOciLayout, type RunResult, type TinyImage } from '../helpers/tools.js';
import { filesUnder, scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { signatureToBlob } from '../../src/trust/blob.js';

function assertOk(r: RunResult, what: string): void {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
}

describe('policy.json refusals store nothing', () => {
  let b: ScratchBerth;
  let root: string;
  let base: TinyImage;
  let unsigned: string;
  let signed: string;
  let state: () => Promise<string>;

  before(async () => {
    b = await scratchBerth();
    root = b.store();
    base = await writeTinyOciLayout(path.join(b.dir, 'base'), { files: { 'b.txt': 'base\n' } });
    const img = await writeTinyOciLayout(path.join(b.dir, 'img'), { files: { 'i.txt': 'image\n' } });
    unsigned = path.join(b.dir, 'unsigned');
    signed = path.join(b.dir, 'signed');
    assertOk(await b.run(['copy', '-q', `oci:${img.dir}:latest`, `dir:${unsigned}`]), 'copy');
    assertOk(await b.run(['copy', '-q', `oci:${img.dir}:latest`, `dir:${signed}`]), 'copy');
    fs.writeFileSync(path.join(signed, 'signature-1'), signatureToBlob({ kind: 'simple', data: Buffer.from([0x89, 0, 1, 2]) }));
    assertOk(await b.run(['pull', '-q', `oci:${base.dir}:latest`], { root }), 'pull base');
    state = async () => {
      const imgs = await b.run(['images', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}'], { root });
      return `${imgs.stdout}\n${filesUnder(path.join(root, 'blobs')).join('\n')}`;
    };
  });
  after(() => b.cleanup());

  async function refused(policy: unknown, source: string, want: string): Promise<void> {
    const file = path.join(b.dir, `policy-${Math.random().toString(36).slice(2)}.json`);
    if (policy !== undefined) await fsp.writeFile(file, typeof policy === 'string' ? policy : JSON.stringify(policy));
    const before = await state();
    const r = await b.run(['pull', '-q', '--signature-policy', file, source], { root });
    assert.equal(r.code, 125, r.stderr);
    assert.equal(r.stderr, want.replaceAll('FILE', file));
    assert.equal(r.stdout, '');
    assert.equal(await state(), before, 'the store is unchanged');
  }

  test('a reject scope', async () => {
    await refused(
      { default: [{ type: 'insecureAcceptAnything' }], transports: { dir: { [unsigned]: [{ type: 'reject' }] } } },
      `dir:${unsigned}`,
      `Error: Source image rejected: Running image dir:${unsigned} is rejected by policy. (requirement "reject" of transports.dir[${JSON.stringify(unsigned)}] in FILE)\n`,
    );
  });

  test('reject as the default', async () => {
    await refused(
      { default: [{ type: 'reject' }], transports: { dir: { '/elsewhere': [{ type: 'insecureAcceptAnything' }] } } },
      `dir:${unsigned}`,
      `Error: Source image rejected: Running image dir:${unsigned} is rejected by policy. (requirement "reject" of "default" in FILE)\n`,
    );
  });

  test('signedBy with no signature', async () => {
    await refused(
      { default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/nonexistent.gpg' }] },
      `dir:${unsigned}`,
      'Error: Source image rejected: A signature was required, but no signature exists (requirement "signedBy" of "default" in FILE)\n',
    );
  });

  test('sigstoreSigned with only a simple signature', async () => {
    await refused(
      { default: [{ type: 'sigstoreSigned', keyPath: '/nonexistent.pub' }] },
      `dir:${signed}`,
      'Error: Source image rejected: A signature was required, but no signature exists (1 non-sigstore signatures, 0 sigstore non-signature attachments) (requirement "sigstoreSigned" of "default" in FILE)\n',
    );
  });

  test('malformed policy.json: unknown key, duplicate key, no default; a missing file', async () => {
    await refused(
      '{"default":[{"type":"insecureAcceptAnything"}],"transport":{}}',
      `dir:${unsigned}`,
      'Error: invalid policy in "FILE": Unknown key "transport" (allowed here: default, transports)\n',
    );
    await refused(
      '{"default":[{"type":"insecureAcceptAnything"}],"transports":{"dir":{"/a":[{"type":"reject"}],"/a":[{"type":"insecureAcceptAnything"}]}}}',
      `dir:${unsigned}`,
      'Error: invalid policy in "FILE": Duplicate key "/a" (policy.json is parsed strictly: fix or remove the offending entry)\n',
    );
    await refused(
      '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k","keyPaths":["/k"]}]}',
      `dir:${unsigned}`,
      'Error: invalid policy in "FILE": Exactly one of keyPath, keyPaths and keyData must be specified, more than one present (at default[0])\n',
    );
    await refused(
      '{"transports":{}}',
      `dir:${unsigned}`,
      'Error: invalid policy in "FILE": Default policy is missing (add "default": [{"type": "reject"}] (or insecureAcceptAnything))\n',
    );
    await refused(undefined, `dir:${unsigned}`, 'Error: open FILE: no such file or directory\n');
  });

  test('an accepted scope pulls (the refusals above were not a broken setup)', async () => {
    const file = path.join(b.dir, 'ok.json');
    await fsp.writeFile(
      file,
      JSON.stringify({
        default: [{ type: 'reject' }],
        transports: { dir: { [path.dirname(unsigned)]: [{ type: 'insecureAcceptAnything' }] } },
      }),
    );
    assertOk(await b.run(['pull', '-q', '--signature-policy', file, `dir:${unsigned}`], { root }), 'pull');
  });
});
