/**
 * podman's words for the same failures: one table, failure -> podman's text (the first line of
 * stderr and the exit code). Every row runs against berth; rows podman 4.3.1 can run are run
 * against the real podman too (scratch store, same registry), and both must agree with the
 * table. Rows podman 4.3.1 cannot run (flags it does not have yet) carry the words of podman's
 * own system tests (test/system/*.bats).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { haveTool, scratchPodman, writeTinyOciLayout, type RunResult, type ScratchPodman } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';

const skip = fs.existsSync('/usr/bin/docker-registry') ? false : '/usr/bin/docker-registry not installed';
const withPodman = haveTool('podman');
const T = { timeout: 60_000 };
const IMAGE = 'localhost/words/tiny:1';
const creds = { user: 'words', password: 'w0rds-secret' };

interface Vars {
  reg: string;
  junk: string;
  layer: string;
}

interface Row {
  failure: string;
  args: (v: Vars) => string[];
  input?: string;
  code: number;
  /** podman's first line of stderr. */
  first: (v: Vars) => string;
  /** Why podman 4.3.1 cannot run the row (its words then come from podman's system tests). */
  notIn43?: string;
}

const ROWS: Row[] = [
  {
    failure: 'untag of a name the image does not have',
    args: () => ['untag', IMAGE, 'localhost/words/other:1'],
    code: 125,
    first: () => 'Error: localhost/words/other:1: tag not known',
  },
  { failure: 'untag of an unknown image', args: () => ['untag', 'nosuch'], code: 125, first: () => 'Error: nosuch: image not known' },
  { failure: 'rmi of an unknown image', args: () => ['rmi', 'nosuch'], code: 1, first: () => 'Error: nosuch: image not known' },
  {
    failure: 'image inspect of an unknown image',
    args: () => ['image', 'inspect', 'nosuch'],
    code: 125,
    first: () => 'Error: inspecting object: nosuch: image not known',
  },
  { failure: 'history of an unknown image', args: () => ['history', 'nosuch'], code: 125, first: () => 'Error: nosuch: image not known' },
  {
    failure: 'tag of an unknown image',
    args: () => ['tag', 'nosuch', 'localhost/x:1'],
    code: 125,
    first: () => 'Error: nosuch: image not known',
  },
  {
    failure: 'load -i of a file that is no archive',
    args: (v) => ['load', '-i', v.junk],
    code: 125,
    first: () => 'Error: payload does not match any of the supported image formats:',
  },
  {
    failure: 'load of a non-archive on stdin',
    args: () => ['load'],
    input: 'Danger, Will Robinson!! This is a corrupt tarball!\n',
    code: 125,
    first: () => 'Error: payload does not match any of the supported image formats:',
  },
  {
    failure: 'login with a wrong password',
    args: (v) => ['login', '--tls-verify=false', '-u', creds.user, '--password-stdin', v.reg],
    input: 'wrong-password\n',
    code: 125,
    first: (v) => `Error: logging into "${v.reg}": invalid username/password`,
  },
  {
    failure: 'push without credentials',
    args: (v) => ['push', '--tls-verify=false', IMAGE, `${v.reg}/words/badpush:1`],
    code: 125,
    first: (v) =>
      `Error: trying to reuse blob ${v.layer} at destination: checking whether a blob ${v.layer} exists in ${v.reg}/words/badpush: unauthorized: authentication required`,
  },
  {
    failure: 'images --filter without "="',
    args: () => ['images', '--filter', 'json'],
    code: 125,
    first: () => 'Error: invalid image filter "json": must be in the format "filter=value or filter!=value"',
  },
  {
    failure: 'images --filter with an unknown key',
    args: () => ['images', '--filter', 'foo=bar'],
    code: 125,
    first: () => 'Error: unsupported image filter "foo"',
  },
  {
    failure: 'images --filter until= that is no time',
    args: () => ['images', '--filter', 'until=bogus'],
    code: 125,
    first: () => 'Error: failed to parse value as time or duration: "bogus"',
  },
  {
    failure: 'images --filter dangling= that is no boolean',
    args: () => ['images', '--filter', 'dangling=maybe'],
    code: 125,
    first: () => 'Error: non-boolean value "dangling" for maybe filter: strconv.ParseBool: parsing "maybe": invalid syntax',
  },
  {
    failure: 'images --filter containers= with a bad value',
    args: () => ['images', '--filter', 'containers=maybe'],
    code: 125,
    first: () => 'Error: unsupported value "maybe" for containers filter',
  },
  {
    failure: 'pull --retry-delay that is no duration',
    args: () => ['pull', '-q', '--retry', '4', '--retry-delay', 'bogus', IMAGE],
    code: 125,
    first: () => 'Error: time: invalid duration "bogus"',
    notIn43: 'no --retry-delay (150-login.bats)',
  },
  {
    failure: 'pull --policy never of a missing image',
    args: (v) => ['pull', '--tls-verify=false', '--policy', 'never', `${v.reg}/words/missing:1`],
    code: 125,
    first: (v) => `Error: ${v.reg}/words/missing:1: image not known`,
    notIn43: 'no --policy (156-pull-policy.bats)',
  },
  {
    failure: 'pull --policy invalid',
    args: (v) => ['pull', '--tls-verify=false', '--policy', 'invalid', `${v.reg}/words/missing:1`],
    code: 125,
    first: () => 'Error: unsupported pull policy "invalid"',
    notIn43: 'no --policy (156-pull-policy.bats)',
  },
];

/** The first line of stderr that is not progress output. */
function firstLine(r: RunResult): string {
  return (
    r.stderr
      .split('\n')
      .find(
        (l) => !/^(Getting image source signatures|Copying (blob|config) |Writing manifest|Storing signatures|Trying to pull )/.test(l),
      ) ?? ''
  );
}

describe('podman words', { skip }, () => {
  let reg: Registry;
  let b: ScratchBerth;
  let p: ScratchPodman | undefined;
  let v: Vars;
  before(async () => {
    reg = await startRegistry({ htpasswd: creds });
    b = await scratchBerth();
    const img = await writeTinyOciLayout(path.join(b.dir, 'layout'), { files: { 'w.txt': 'words\n' } });
    const pull = await b.run(['pull', '-q', `oci:${img.dir}:latest`]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal((await b.run(['tag', img.configDigest.slice(7), IMAGE])).code, 0);
    const archive = path.join(b.dir, 'words.tar');
    assert.equal((await b.run(['save', '-o', archive, IMAGE])).code, 0);
    const junk = path.join(b.dir, 'junk');
    await fsp.writeFile(junk, 'I am an invalid file and should cause a podman-load error\n');
    v = { reg: reg.host, junk, layer: img.layerDigest };
    if (withPodman) {
      p = await scratchPodman();
      const load = await p.run(['load', '-q', '-i', archive]);
      assert.equal(load.code, 0, load.stderr);
    }
  });
  after(async () => {
    await p?.cleanup();
    await reg?.stop();
    await b?.cleanup();
  });

  for (const row of ROWS) {
    test(`${row.failure}: berth`, T, async () => {
      const r = await b.run(row.args(v), row.input !== undefined ? { input: row.input } : {});
      assert.equal(firstLine(r), row.first(v), r.stderr);
      assert.equal(r.code, row.code, r.stderr);
    });
    const why = !withPodman ? 'podman not installed' : row.notIn43 ? `podman 4.3.1 has ${row.notIn43}` : false;
    test(`${row.failure}: podman`, { ...T, skip: why }, async () => {
      const r = await p!.run(row.args(v), row.input !== undefined ? { input: row.input } : {});
      assert.equal(firstLine(r), row.first(v), r.stderr);
      assert.equal(r.code, row.code, r.stderr);
    });
  }

  test('nothing was written by the failures', T, async () => {
    const images = await b.run(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    // the pull from oci:DIR named the image localhost/DIR:latest, as podman does
    assert.equal(images.stdout, `localhost${b.dir}/layout:latest\n${IMAGE}\n`);
    assert.ok(!fs.existsSync(b.authFile) || !(await fsp.readFile(b.authFile, 'utf8')).includes(reg.host), 'no credentials stored');
  });
});
