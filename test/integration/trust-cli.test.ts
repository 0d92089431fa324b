/**
 * `berth image trust set|show` side by side with podman 4.3.1's `image trust` on scratch policy
 * files: the same file bytes after the same edits, the same table, --json and --raw output,
 * the same error words; signedBy key identities come from gpg, as podman's do.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { haveTool, run, scratchPodman, skipUnlessTools, type RunResult, type ScratchPodman } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';

function assertOk(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}

/** The edits both tools make, in order (keys are written as given). */
const EDITS: string[][] = [
  ['--type', 'accept', 'default'],
  ['--type', 'reject', 'docker.io'],
  ['-t', 'sigstoreSigned', '-f', '/keys/a.pub,/keys/b.pub', 'quay.io/sig'],
  ['--type', 'signedBy', '--pubkeysfile', '/keys/team.gpg', '--pubkeysfile', '/keys/other.gpg', 'registry.example.com:5000/team'],
  ['--type', 'reject', 'default'],
  ['--type', 'accept', 'docker.io'],
];

describe('image trust set/show', () => {
  let b: ScratchBerth;
  before(async () => {
    b = await scratchBerth();
  });
  after(() => b.cleanup());

  const trust = (file: string, ...args: string[]) => b.run(['image', 'trust', ...args, '--signature-policy', file]);

  test('set builds a policy.json step by step; show describes it', async () => {
    const file = path.join(b.dir, 'policy.json');
    const r0 = await trust(file, 'set', '--type', 'reject', 'docker.io');
    assert.equal(r0.code, 125);
    assert.equal(r0.stderr, 'Error: default trust policy must be set (set it first: berth image trust set --type reject default)\n');
    assert.equal(fs.existsSync(file), false);
    for (const e of EDITS) assertOk(await trust(file, 'set', ...e), `set ${e.join(' ')}`);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(doc, {
      default: [{ type: 'reject' }],
      transports: {
        docker: {
          'docker.io': [{ type: 'insecureAcceptAnything' }],
          'quay.io/sig': [
            { type: 'sigstoreSigned', keyPath: '/keys/a.pub' },
            { type: 'sigstoreSigned', keyPath: '/keys/b.pub' },
          ],
          'registry.example.com:5000/team': [
            { type: 'signedBy', keyType: 'GPGKeys', keyPath: '/keys/team.gpg' },
            { type: 'signedBy', keyType: 'GPGKeys', keyPath: '/keys/other.gpg' },
          ],
        },
      },
    });
    // the file berth writes is a valid policy for pulls too
    const show = await trust(file, 'show', '--json');
    assertOk(show, 'show --json');
    assert.deepEqual(
      JSON.parse(show.stdout).map((e: { repo_name: string; type: string }) => `${e.repo_name} ${e.type}`),
      [
        'default reject',
        'docker.io accept',
        'quay.io/sig sigstoreSigned',
        'quay.io/sig sigstoreSigned',
        'registry.example.com:5000/team signed',
        'registry.example.com:5000/team signed',
      ],
    );
    const raw = await trust(file, 'show', '--raw');
    assert.equal(raw.stdout, `${fs.readFileSync(file, 'utf8')}\n`);
  });

  test('bad input: one line, podman words, the file unchanged', async () => {
    const file = path.join(b.dir, 'bad.json');
    await fsp.writeFile(file, '{"default":[{"type":"insecureAcceptAnything"}]}');
    const cases: [string[], string][] = [
      [['--type', 'bogus', 'default'], "Error: invalid choice: bogus (choose from 'accept', 'reject', 'signedBy', 'sigstoreSigned')\n"],
      [['--type', 'signedBy', 'quay.io'], "Error: at least one public key must be defined for type 'signedBy'\n"],
      [['--type', 'accept', '-f', '/k.gpg', 'quay.io'], 'Error: 1 public keys unexpectedly provided for trust type accept\n'],
      [['--type', 'accept', 'Bad Host!'], 'Error: invalid image uri: Bad Host!\n'],
    ];
    for (const [args, err] of cases) {
      const r = await trust(file, 'set', ...args);
      assert.equal(r.code, 125, args.join(' '));
      assert.equal(r.stderr, err, args.join(' '));
      assert.equal(fs.readFileSync(file, 'utf8'), '{"default":[{"type":"insecureAcceptAnything"}]}');
    }
    const missing = await trust(path.join(b.dir, 'none.json'), 'show');
    assert.equal(missing.code, 125);
    assert.equal(missing.stderr, `Error: open ${path.join(b.dir, 'none.json')}: no such file or directory\n`);
  });

  test('set keeps the other entries (and what it does not know) as they were', async () => {
    const file = path.join(b.dir, 'keep.json');
    await fsp.writeFile(
      file,
      JSON.stringify({
        default: [{ type: 'reject' }],
        transports: {
          oci: { '/srv/layouts': [{ type: 'insecureAcceptAnything' }] },
          'docker-daemon': { 'quay.io/z': [{ type: 'insecureAcceptAnything' }] },
          docker: {
            'quay.io/x': [{ type: 'signedBy', keyType: 'GPGKeys', keyData: 'AAAA', signedIdentity: { type: 'matchRepository' } }],
          },
        },
      }),
    );
    assertOk(await trust(file, 'set', '-t', 'reject', 'quay.io/z'), 'set a scope another transport has');
    assertOk(await trust(file, 'set', '-t', 'accept', 'quay.io/new'), 'set a new scope');
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(doc.transports.oci, { '/srv/layouts': [{ type: 'insecureAcceptAnything' }] });
    assert.deepEqual(doc.transports['docker-daemon'], { 'quay.io/z': [{ type: 'reject' }] }, 'replaced where it was');
    assert.deepEqual(doc.transports.docker['quay.io/new'], [{ type: 'insecureAcceptAnything' }]);
    assert.deepEqual(doc.transports.docker['quay.io/x'][0], {
      type: 'signedBy',
      keyType: 'GPGKeys',
      keyData: 'AAAA',
      signedIdentity: { type: 'matchRepository' },
    });
    // a path is not a registry (podman refuses it too)
    const r = await trust(file, 'set', '-t', 'accept', '/srv/layouts');
    assert.equal(r.stderr, 'Error: invalid image uri: /srv/layouts\n');
  });

  test('signedBy keys are shown by their user IDs (gpg)', { skip: skipUnlessTools('gpg') }, async () => {
    const home = path.join(b.dir, 'gnupg');
    await fsp.mkdir(home, { mode: 0o700 });
    const gpg = (...a: string[]) => run('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...a]);
    assertOk(await gpg('--quick-gen-key', 'Trust Test <trust@example.com>', 'ed25519', 'sign', 'never'), 'gpg gen');
    const key = path.join(b.dir, 'trust.gpg');
    assertOk(await gpg('--output', key, '--export', 'trust@example.com'), 'gpg export');
    const file = path.join(b.dir, 'signed.json');
    assertOk(await trust(file, 'set', '-t', 'reject', 'default'), 'set default');
    assertOk(await trust(file, 'set', '-f', key, 'quay.io/team'), 'set signedBy (the default type)');
    const r = await trust(file, 'show');
    assertOk(r, 'show');
    assert.equal(
      r.stdout,
      [
        'TRANSPORT   NAME          TYPE        ID                 STORE',
        'all         default       reject                         ',
        'repository  quay.io/team  signed      trust@example.com  ',
        '',
      ].join('\n'),
    );
    const n = await trust(file, 'show', '-n');
    assert.equal(n.stdout, r.stdout.split('\n').slice(1).join('\n'));
  });
});

describe('image trust: the same as podman 4.3.1', { skip: skipUnlessTools('podman') }, () => {
  let b: ScratchBerth;
  let p: ScratchPodman;
  before(async () => {
    b = await scratchBerth();
    p = await scratchPodman();
  });
  after(async () => {
    await b.cleanup();
    await p.cleanup();
  });

  test('same files after the same edits; same show, --json, --raw; same errors', async () => {
    const ours = path.join(b.dir, 'policy.json');
    const theirs = path.join(p.dir, 'policy.json');
    for (const e of EDITS) {
      assertOk(await b.run(['image', 'trust', 'set', '--signature-policy', ours, ...e]), `berth set ${e.join(' ')}`);
      assertOk(await p.run(['image', 'trust', 'set', '--policypath', theirs, ...e]), `podman set ${e.join(' ')}`);
      assert.equal(fs.readFileSync(ours, 'utf8'), fs.readFileSync(theirs, 'utf8'), `after set ${e.join(' ')}`);
    }
    // show without signedBy rows (podman reads key IDs with gpg2, which may be missing)
    const plain = path.join(b.dir, 'plain.json');
    const plainP = path.join(p.dir, 'plain.json');
    for (const e of EDITS.filter((x) => !x.includes('signedBy'))) {
      assertOk(await b.run(['image', 'trust', 'set', '--signature-policy', plain, ...e]), 'berth set');
      assertOk(await p.run(['image', 'trust', 'set', '--policypath', plainP, ...e]), 'podman set');
    }
    const emptyD = path.join(b.dir, 'registries.d');
    await fsp.mkdir(emptyD);
    for (const flags of [[], ['--json'], ['--raw'], ['-n']]) {
      const ob = await b.run(['image', 'trust', 'show', '--signature-policy', plain, '--registrypath', emptyD, ...flags]);
      const op = await p.run(['image', 'trust', 'show', '--policypath', plainP, '--registrypath', emptyD, ...flags]);
      assertOk(ob, `berth show ${flags}`);
      assertOk(op, `podman show ${flags}`);
      assert.equal(ob.stdout, op.stdout, `show ${flags.join(' ')}`);
    }
    for (const e of [
      ['--type', 'bogus', 'default'],
      ['--type', 'signedBy', 'quay.io'],
      ['--type', 'accept', '-f', '/k', 'quay.io'],
    ]) {
      const ob = await b.run(['image', 'trust', 'set', '--signature-policy', plain, ...e]);
      const op = await p.run(['image', 'trust', 'set', '--policypath', plainP, ...e]);
      assert.equal(ob.code, op.code, e.join(' '));
      assert.equal(ob.stderr.split('\n')[0], op.stderr.split('\n')[0], e.join(' '));
    }
    assert.ok(haveTool('podman'));
  });

  test('STORE: the lookaside registries.d gives each scope (most specific namespace, else default-docker)', async () => {
    const file = path.join(b.dir, 'store-policy.json');
    await fsp.writeFile(
      file,
      JSON.stringify({
        default: [{ type: 'reject' }],
        transports: {
          docker: {
            'quay.io/team': [{ type: 'insecureAcceptAnything' }],
            'quay.io/team/app': [{ type: 'reject' }],
            'docker.io': [{ type: 'reject' }],
          },
          'docker-daemon': { '': [{ type: 'insecureAcceptAnything' }] },
        },
      }),
    );
    const regD = path.join(b.dir, 'registries-store.d');
    await fsp.mkdir(regD);
    await fsp.writeFile(
      path.join(regD, 'sigs.yaml'),
      'default-docker:\n  lookaside: https://sigs.example.com/default\ndocker:\n  quay.io/team:\n    lookaside: https://sigs.example.com/team\n  docker.io:\n    sigstore: file:///var/lib/sigs\n',
    );
    for (const flags of [[], ['--json']]) {
      const ob = assertOk(
        await b.run(['image', 'trust', 'show', '--signature-policy', file, '--registrypath', regD, ...flags]),
        'berth show',
      );
      const op = assertOk(await p.run(['image', 'trust', 'show', '--policypath', file, '--registrypath', regD, ...flags]), 'podman show');
      assert.equal(ob.stdout, op.stdout, `show ${flags.join(' ')}`);
    }
    const rows = (await b.run(['image', 'trust', 'show', '--signature-policy', file, '--registrypath', regD])).stdout.split('\n');
    assert.match(rows[1]!, /^all +default +reject +https:\/\/sigs\.example\.com\/default$/);
    assert.ok(
      rows.some((r) => /^repository +quay\.io\/team\/app +reject +https:\/\/sigs\.example\.com\/team$/.test(r)),
      rows.join('\n'),
    );
    assert.ok(
      rows.some((r) => /^repository +docker\.io +reject +file:\/\/\/var\/lib\/sigs$/.test(r)),
      rows.join('\n'),
    );
  });
});
