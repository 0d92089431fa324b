/**
 * The CLI generated from the command table: one --help format for every command (and `berth
 * help CMD` printing the same), shell completion scripts, global flags, and bad flags rejected
 * with pflag's/cobra's/podman's words — compared with the real podman where it is installed
 * (exit code and first stderr line) — before anything touches the store.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { COMMANDS, commandWords } from '../../cli/command-table.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { haveTool, run, scratchPodman, skipUnlessTools, writeTinyOciLayout, type ScratchPodman } from '../helpers/tools.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRegistry, REGISTRY_BIN, type Registry } from '../helpers/registry.js';
import { buildImage, writeLayout } from './docker-fixtures.js';
import { indexTarFile, TarMembers } from '../../src/util/tar.js';
import { readMember } from '../../src/util/archive-input.js';

const skipE2E = fs.existsSync(REGISTRY_BIN) ? skipUnlessTools('podman', 'skopeo') : `${REGISTRY_BIN} not installed`;

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('berth --help: one format for every command', () => {
  let b: ScratchBerth;
  before(async () => {
    b = await scratchBerth();
  });
  after(() => b.cleanup());

  for (const c of COMMANDS) {
    test(`berth ${c.name} --help`, async () => {
      const r = await b.run([...c.name.split(' '), '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      const out = r.stdout;
      const format = new RegExp(
        `^${esc(c.summary)}\\n\\nDescription:\\n(  .*\\n)+\\nUsage:\\n  berth ${esc(c.name)}( .+)?\\n\\n` +
          '(Aliases:\\n  .*\\n\\n)?(Examples:\\n(  .*\\n)+\\n)?(Options:\\n((  -\\S, |      )--\\S+.*\\n)+\\n)?Global options .*\\n$',
      );
      assert.match(out, format);
      for (const f of c.flags) {
        const line = new RegExp(`^ {2}${f.short ? `-${f.short}, ` : ' {4}'}--${f.name}\\b`, 'm');
        if (f.hidden) assert.doesNotMatch(out, line, `hidden --${f.name}`);
        else assert.match(out, line, `--${f.name} listed`);
      }
      // the same text from every spelling: -h, `berth help CMD`, aliases (`berth image CMD --help`)
      for (const words of commandWords(c)) {
        for (const args of [
          [...words.split(' '), '-h'],
          ['help', ...words.split(' ')],
          [...words.split(' '), '--help'],
        ]) {
          const o = await b.run(args);
          assert.equal(o.code, 0, args.join(' '));
          assert.equal(o.stdout, out, args.join(' '));
        }
      }
    });
  }

  test('group and root help', async () => {
    for (const g of ['image', 'system']) {
      const r = await b.run([g, '--help']);
      assert.equal(r.code, 0);
      assert.match(
        r.stdout,
        new RegExp(
          `^.*\\n\\nDescription:\\n  .*\\n\\nUsage:\\n  berth ${g} \\[command\\]\\n\\nAvailable Commands:\\n(  \\S+ +\\S.*\\n)+\\n$`,
        ),
      );
      assert.equal((await b.run(['help', g])).stdout, r.stdout);
      for (const c of COMMANDS.filter((x) => commandWords(x).some((w) => w.startsWith(`${g} `)))) {
        for (const w of commandWords(c).filter((x) => x.startsWith(`${g} `)))
          assert.match(r.stdout, new RegExp(`^  ${esc(w.slice(g.length + 1))} +${esc(c.summary)}$`, 'm'));
      }
    }
    const root = await b.run(['--help']);
    assert.equal(root.code, 0);
    assert.equal((await b.run(['help'])).stdout, root.stdout);
    assert.equal((await b.run(['-h'])).stdout, root.stdout);
    for (const f of ['--root', '--log-level', '--debug', '--noout', '--config', '--version'])
      assert.match(root.stdout, new RegExp(`${f}\\b`));
    for (const c of COMMANDS.filter((x) => !x.name.includes(' ')))
      assert.match(root.stdout, new RegExp(`^  ${esc(c.name)} +${esc(c.summary)}$`, 'm'));
  });
});

/** A bad command line: the exact first stderr line and exit code; `podman` when podman 4.3.1 has the same command and flag. */
interface Bad {
  args: string[];
  err: string;
  code?: number;
  podman?: boolean;
}
const NINES = '9'.repeat(400);
const BAD: Bad[] = [
  { args: ['images', '--nope'], err: 'Error: unknown flag: --nope', podman: true },
  { args: ['images', '-z'], err: "Error: unknown shorthand flag: 'z' in -z", podman: true },
  { args: ['images', '-aqz'], err: "Error: unknown shorthand flag: 'z' in -z", podman: true },
  { args: ['images', '--format'], err: 'Error: flag needs an argument: --format', podman: true },
  { args: ['images', '-f'], err: "Error: flag needs an argument: 'f' in -f", podman: true },
  {
    args: ['images', '--noheading=maybe'],
    err: 'Error: invalid argument "maybe" for "-n, --noheading" flag: strconv.ParseBool: parsing "maybe": invalid syntax',
    podman: true,
  },
  {
    args: ['images', '-n=maybe'],
    err: 'Error: invalid argument "maybe" for "-n, --noheading" flag: strconv.ParseBool: parsing "maybe": invalid syntax',
    podman: true,
  },
  { args: ['images', 'a', 'b'], err: 'Error: accepts at most 1 arg(s), received 2', podman: true },
  // podman lists the keys in Go map order (random): compared with berth only
  {
    args: ['images', '--sort', 'bogus'],
    err: 'Error: "bogus" is not a valid field for sorting. Choose from: created, id, repository, size, tag',
  },
  { args: ['images', '--version'], err: 'Error: unknown flag: --version', podman: true },
  { args: ['images', '--noout'], err: 'Error: unknown flag: --noout', podman: true },
  {
    args: ['pull', '--tls-verify=maybe', 'x'],
    err: 'Error: invalid argument "maybe" for "--tls-verify" flag: strconv.ParseBool: parsing "maybe": invalid syntax',
    podman: true,
  },
  { args: ['pull', '--quiet=1', '--tls-verify=False'], err: 'Error: requires at least 1 arg(s), only received 0', podman: true },
  {
    args: ['search', '--limit', '1e20', 'x'],
    err: 'Error: invalid argument "1e20" for "--limit" flag: strconv.ParseInt: parsing "1e20": invalid syntax',
    podman: true,
  },
  {
    args: ['search', '--limit', '99999999999999999999', 'x'],
    err: 'Error: invalid argument "99999999999999999999" for "--limit" flag: strconv.ParseInt: parsing "99999999999999999999": value out of range',
    podman: true,
  },
  { args: ['push', '--compression-format'], err: 'Error: flag needs an argument: --compression-format', podman: true },
  { args: ['push', '--compression-format', 'bogus', 'x'], err: 'Error: cannot find compressor for "bogus"', podman: true },
  {
    args: ['save', '--format', 'bogus', 'x'],
    err: 'Error: format value must be one of oci-dir oci-archive docker-dir docker-archive',
    podman: true,
  },
  {
    args: ['save', '--uncompressed=x', 'x'],
    err: 'Error: invalid argument "x" for "--uncompressed" flag: strconv.ParseBool: parsing "x": invalid syntax',
    podman: true,
  },
  { args: ['load', '-i'], err: "Error: flag needs an argument: 'i' in -i", podman: true },
  { args: ['tag'], err: 'Error: requires at least 2 arg(s), only received 0', podman: true },
  { args: ['untag'], err: 'Error: requires at least 1 arg(s), only received 0', podman: true },
  { args: ['image', 'exists'], err: 'Error: accepts 1 arg(s), received 0', podman: true },
  { args: ['history'], err: 'Error: accepts 1 arg(s), received 0', podman: true },
  { args: ['image', 'prune', 'x'], err: 'Error: `berth image prune` takes no arguments', podman: true },
  { args: ['rmi', '--nope'], err: 'Error: unknown flag: --nope', podman: true },
  { args: ['frob'], err: 'Error: unrecognized command `berth frob`', podman: true },
  { args: ['image', 'frob'], err: 'Error: unrecognized command `berth image frob`', podman: true },
  {
    args: ['--log-level=bogus', 'images'],
    code: 1,
    err: 'Log Level "bogus" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic',
    podman: true,
  },
  { args: ['--debug', '--log-level=info', 'images'], code: 1, err: 'Setting --log-level and --debug is not allowed', podman: true },
  // flags podman 4.3.1 does not have: pflag's words for their types, podman 5's words for durations
  {
    args: ['pull', '--jobs', '1e20', 'x'],
    err: 'Error: invalid argument "1e20" for "--jobs" flag: strconv.ParseUint: parsing "1e20": invalid syntax',
  },
  { args: ['push', '--jobs', '0', 'x'], err: 'Error: invalid argument "0" for "--jobs" flag: must be at least 1' },
  {
    args: ['pull', '--retry', '1e20', 'x'],
    err: 'Error: invalid argument "1e20" for "--retry" flag: strconv.ParseUint: parsing "1e20": invalid syntax',
  },
  {
    args: ['pull', '--retry', '-1', 'x'],
    err: 'Error: invalid argument "-1" for "--retry" flag: strconv.ParseUint: parsing "-1": invalid syntax',
  },
  { args: ['pull', '--retry-delay', 'bogus', 'x'], err: 'Error: time: invalid duration "bogus"' },
  { args: ['push', '--retry-delay=10', 'x'], err: 'Error: time: missing unit in duration "10"' },
  {
    args: ['push', '--compression-level', '1e20', 'x'],
    err: 'Error: invalid argument "1e20" for "--compression-level" flag: strconv.ParseInt: parsing "1e20": invalid syntax',
  },
  {
    args: ['push', '--compression-level', '42', 'x'],
    err: 'Error: invalid argument "42" for "--compression-level" flag: gzip levels are 1 to 9',
  },
  {
    args: ['push', '--compression-format=zstd', '--compression-level', '21', 'x'],
    err: 'Error: invalid argument "21" for "--compression-level" flag: zstd levels are 1 to 20',
  },
  { args: ['search', '--list-tags', '--limit', '-1', 'x'], err: 'Error: invalid argument "-1" for "--limit" flag: must be at least 0' },
  {
    args: ['push', '--format', 'v2s1', 'x'],
    err: "Error: unknown format \"v2s1\". Choose on of the supported formats: 'oci', 'v2s2', or 'docker'",
  },
  { args: ['pull', '--policy', 'invalid', 'x'], err: 'Error: unsupported pull policy "invalid"' },
  {
    args: ['copy', '--src-tls-verify=nope', 'a', 'b'],
    err: 'Error: invalid argument "nope" for "--src-tls-verify" flag: strconv.ParseBool: parsing "nope": invalid syntax',
  },
  { args: ['images', '--filter', `until=${NINES}`], err: `Error: strconv.ParseInt: parsing "${NINES}": value out of range` },
  {
    args: ['image', 'prune', '-f', '--filter', `until=1.${NINES}`],
    err: `Error: strconv.ParseInt: parsing "${NINES}": value out of range`,
  },
  { args: ['completion', 'tcsh'], err: 'Error: invalid argument "tcsh" for "berth completion": use bash, zsh or fish' },
];

describe("bad flags: podman's words, one line, exit code, store untouched", () => {
  let b: ScratchBerth;
  let podman: ScratchPodman | undefined;
  before(async () => {
    b = await scratchBerth();
    if (haveTool('podman')) podman = await scratchPodman();
  });
  after(async () => {
    await b.cleanup();
    await podman?.cleanup();
  });

  for (const bad of BAD) {
    test(`berth ${bad.args.join(' ').slice(0, 80)}`, async () => {
      const root = b.store();
      const r = await b.run(bad.args, { root });
      assert.equal(r.code, bad.code ?? 125, r.stderr);
      assert.equal(r.stderr, `${bad.err}\n`, 'exactly one line on stderr');
      assert.equal(r.stdout, '');
      // rejected before the store is opened (filters: opened, nothing written)
      if (fs.existsSync(root)) assert.deepEqual(await fsp.readdir(path.join(root, 'blobs/sha256')).catch(() => []), []);
      if (bad.podman && podman) {
        const p = await podman.run(bad.args);
        assert.equal(r.code, p.code, `podman exit code (podman stderr: ${p.stderr})`);
        assert.equal(bad.err, p.stderr.split('\n')[0]!.replace(/\bpodman\b/g, 'berth'), "first stderr line as podman's");
      }
    });
  }
});

describe('global flags', () => {
  let b: ScratchBerth;
  before(async () => {
    b = await scratchBerth();
  });
  after(() => b.cleanup());

  test("--log-level, --debug: podman's levels, logrus lines on stderr", async () => {
    const quiet = await b.run(['images']);
    assert.equal(quiet.stderr, '');
    for (const args of [
      ['--log-level=debug', 'images'],
      ['--debug', 'images'],
      ['images', '--log-level', 'DEBUG'],
      ['-D', 'images'],
    ]) {
      const r = await b.run(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^time="[^"]+" level=info msg="berth filtering at log level debug"$/m, args.join(' '));
      assert.match(r.stdout, /^REPOSITORY/);
    }
    const warn = await b.run(['--log-level=warning', 'images']);
    assert.equal(warn.stderr, '');
  });

  test('--noout: nothing on stdout, same exit code', async () => {
    const r = await b.run(['--noout', 'images']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
    const v = await b.run(['--noout', 'inspect', 'nothere']);
    assert.equal(v.code, 125);
    assert.equal(v.stdout, '');
    assert.match(v.stderr, /^Error: inspecting object: no such object: "nothere"$/m);
  });

  test('--config DIR: credentials from DIR/config.json (as DOCKER_CONFIG); a file is refused', async () => {
    const dir = path.join(b.dir, 'docker-config');
    await fsp.mkdir(dir);
    await fsp.writeFile(
      path.join(dir, 'config.json'),
      JSON.stringify({ auths: { 'registry.test': { auth: Buffer.from('me:secret').toString('base64') } } }),
    );
    const env = { REGISTRY_AUTH_FILE: undefined };
    const get = await b.run(['--config', dir, 'login', '--get-login', 'registry.test'], { env });
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout, 'me\n');
    const out = await b.run(['--config', dir, 'logout', 'registry.test'], { env });
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(JSON.parse(await fsp.readFile(path.join(dir, 'config.json'), 'utf8')).auths, {});
    const file = await b.run(['--config', path.join(dir, 'config.json'), 'images']);
    assert.equal(file.code, 1);
    assert.equal(file.stderr, `Supplied --config file (${path.join(dir, 'config.json')}) is not a directory\n`);
  });

  test("--runroot DIR: accepted with --root before or after the command, as podman's; nothing written there", async () => {
    const root = path.join(b.dir, 'runroot-store');
    const runroot = path.join(b.dir, 'runroot');
    const img = await writeTinyOciLayout(path.join(b.dir, 'runroot-layout'));
    const pull = await b.run(['--root', root, '--runroot', runroot, 'pull', '-q', `oci:${img.dir}:latest`]);
    assert.equal(pull.code, 0, pull.stderr);
    const id = pull.stdout.trim();
    assert.equal(id, img.configDigest.slice('sha256:'.length));
    for (const args of [
      ['--root', root, '--runroot', runroot, 'images', '-q', '--no-trunc'],
      ['images', '--root', root, '--runroot', runroot, '-q', '--no-trunc'],
      ['--runroot=' + runroot, 'image', 'ls', '--root=' + root, '-q', '--no-trunc'],
    ]) {
      const r = await b.run(args);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `sha256:${id}\n`, args.join(' '));
    }
    assert.equal(fs.existsSync(runroot), false);
    const bare = await b.run(['images', '--runroot']);
    assert.equal(bare.code, 125);
    assert.equal(bare.stderr, 'Error: flag needs an argument: --runroot\n');
    if (haveTool('podman')) {
      const p = await scratchPodman();
      try {
        const pr = await p.run(['images', '--runroot']);
        assert.equal(pr.stderr.split('\n')[0], bare.stderr.split('\n')[0]);
        assert.equal(pr.code, bare.code);
      } finally {
        await p.cleanup();
      }
    }
  });

  test("info: --root and --runroot as given (else the store), podman info's keys and field names", async () => {
    const root = path.join(b.dir, 'info-store');
    const runroot = path.join(b.dir, 'info-runroot');
    const tpl = '{{.Store.GraphRoot}} {{.Store.RunRoot}} {{.Store.ImageStore.Number}} {{.Store.ContainerStore.Number}}';
    const given = await b.run(['--root', root, '--runroot', runroot, 'info', '--format', tpl]);
    assert.equal(given.code, 0, given.stderr);
    assert.equal(given.stdout, `${root} ${runroot} 0 0\n`);
    const after = await b.run(['system', 'info', '--root', root, '-f', tpl]);
    assert.equal(after.stdout, `${root} ${root} 0 0\n`);
    assert.equal(fs.existsSync(runroot), false);
    const yaml = await b.run(['--root', root, '--runroot', runroot, 'info']);
    assert.match(yaml.stdout, new RegExp(`^store:\n(  .*\n)*  graphRoot: ${esc(root)}\n(  .*\n)*  runRoot: ${esc(runroot)}\n`, 'm'));
    const mine = JSON.parse((await b.run(['--root', root, 'info', '--format', 'json'])).stdout) as Record<string, Record<string, unknown>>;
    if (!haveTool('podman')) return;
    const p = await scratchPodman();
    try {
      const r = await p.run(['info', '--format', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const theirs = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
      // every key berth prints is podman's, with a value of the same type, at every level
      const same = (a: Record<string, unknown>, b: Record<string, unknown>, at: string) => {
        for (const [k, v] of Object.entries(a)) {
          assert.ok(k in b, `${at}.${k} is not podman's`);
          assert.equal(typeof v, typeof b[k], `${at}.${k}`);
          if (typeof v === 'object') same(v as Record<string, unknown>, b[k] as Record<string, unknown>, `${at}.${k}`);
        }
      };
      same(mine, theirs, 'info');
      assert.equal(theirs.store!.runRoot, p.runroot);
      const gtpl = await p.run(['info', '--format', '{{.Store.GraphRoot}} {{.Store.RunRoot}} {{.Store.ImageStore.Number}}']);
      assert.equal(gtpl.stdout, `${p.root} ${p.runroot} 0\n`);
    } finally {
      await p.cleanup();
    }
  });

  test("info: registries.conf as podman's `registries`, the store's driver name and file system", async () => {
    const conf = path.join(b.dir, 'info-registries.conf');
    await fsp.writeFile(
      conf,
      [
        'unqualified-search-registries = ["quay.io", "docker.io"]',
        '[[registry]]',
        'prefix = "example.com/foo"',
        'location = "mirror.example.com/foo"',
        'insecure = true',
        '[[registry.mirror]]',
        'location = "m2.example.com"',
        '[[registry]]',
        'location = "blocked.io"',
        'blocked = true',
        '',
      ].join('\n'),
    );
    const env = { CONTAINERS_REGISTRIES_CONF: conf };
    const want = {
      'blocked.io': {
        Prefix: 'blocked.io',
        Location: 'blocked.io',
        Insecure: false,
        PullFromMirror: '',
        Mirrors: null,
        Blocked: true,
        MirrorByDigestOnly: false,
      },
      'example.com/foo': {
        Prefix: 'example.com/foo',
        Location: 'mirror.example.com/foo',
        Insecure: true,
        PullFromMirror: '',
        Mirrors: [{ Location: 'm2.example.com', Insecure: false, PullFromMirror: '' }],
        Blocked: false,
        MirrorByDigestOnly: false,
      },
      search: ['quay.io', 'docker.io'],
    };
    const json = await b.run(['info', '--format', 'json'], { env });
    assert.equal(json.code, 0, json.stderr);
    const mine = JSON.parse(json.stdout) as { registries: unknown; store: Record<string, unknown> };
    assert.deepEqual(mine.registries, want);
    // berth's own store, not a containers/storage driver; the file system of an existing store
    assert.equal(mine.store.graphDriverName, 'berth');
    assert.equal(typeof mine.store.graphRootAllocated, 'number');
    assert.ok((mine.store.graphRootUsed as number) <= (mine.store.graphRootAllocated as number));
    const tpl = await b.run(['info', '--format', '{{.Registries.search}} {{.Store.GraphDriverName}}'], { env });
    assert.equal(tpl.stdout, '[quay.io docker.io] berth\n');
    const section = (yaml: string) => /^registries:\n(?: {2}.*\n)*/m.exec(yaml)?.[0];
    const yaml = section((await b.run(['info'], { env })).stdout);
    assert.match(yaml ?? '', /^ {2}search:\n {2}- quay.io\n {2}- docker.io\n/m);
    if (!haveTool('podman')) return;
    const p = await scratchPodman();
    try {
      const theirs = await p.run(['info', '--format', 'json'], { env });
      assert.equal(theirs.code, 0, theirs.stderr);
      assert.deepEqual((JSON.parse(theirs.stdout) as { registries: unknown }).registries, want);
      assert.equal(section((await p.run(['info'], { env })).stdout), yaml);
    } finally {
      await p.cleanup();
    }
  });

  test('--compat-auth-file: a Docker config.json instead of auth.json; not with --authfile', async () => {
    const compat = path.join(b.dir, 'compat.json');
    await fsp.writeFile(
      compat,
      JSON.stringify({ auths: { 'registry.test': { auth: Buffer.from('you:pw').toString('base64') } }, credsStore: '' }),
    );
    const env = { REGISTRY_AUTH_FILE: undefined };
    const get = await b.run(['login', '--compat-auth-file', compat, '--get-login', 'registry.test'], { env });
    assert.equal(get.stdout, 'you\n', get.stderr);
    const both = await b.run(['login', '--compat-auth-file', compat, '--authfile', b.authFile, '--get-login', 'registry.test'], { env });
    assert.equal(both.code, 125);
    assert.equal(
      both.stderr,
      'Error: options for paths to the credential file and to the Docker-compatible credential file can not be set simultaneously\n',
    );
    const out = await b.run(['logout', '--compat-auth-file', compat, 'registry.test'], { env });
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(JSON.parse(await fsp.readFile(compat, 'utf8')), { auths: {}, credsStore: '' });
  });
});

describe('berth completion', () => {
  let b: ScratchBerth;
  before(async () => {
    b = await scratchBerth();
  });
  after(() => b.cleanup());

  test('bash: the script loads, `complete -p berth` works, words/flags/values complete', async () => {
    const script = await b.run(['completion', 'bash']);
    assert.equal(script.code, 0, script.stderr);
    const file = path.join(b.dir, 'berth.bash');
    await fsp.writeFile(file, script.stdout);
    const complete = (...words: string[]) =>
      `COMP_WORDS=(berth ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; COMPREPLY=(); _berth berth; echo "\${COMPREPLY[*]}"`;
    const r = await run('bash', [
      '--norc',
      '-c',
      [
        `source ${file}`,
        'complete -p berth',
        complete('pu'),
        complete('image', 'l'),
        complete('pull', '--pol'),
        complete('pull', '--policy', ''),
        complete('--root', '/tmp', 'push', '-f', ''),
        complete('completion', 'z'),
        complete('system', ''),
      ].join('\n'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').slice(0, 8), [
      'complete -o default -F _berth berth',
      'pull push',
      'list list-tags load ls',
      '--policy',
      'always missing never newer',
      'oci v2s2 docker',
      'zsh',
      'check df gc info prune recover service',
    ]);
    const toFile = path.join(b.dir, 'written.bash');
    const w = await b.run(['completion', '-f', toFile, 'bash']);
    assert.equal(w.code, 0);
    assert.equal(await fsp.readFile(toFile, 'utf8'), script.stdout);
  });

  test('zsh and fish scripts cover every command and flag', async () => {
    const zsh = await b.run(['completion', 'zsh']);
    assert.equal(zsh.code, 0);
    assert.match(zsh.stdout, /^#compdef berth\n/);
    assert.match(zsh.stdout, /bashcompinit/);
    assert.match(zsh.stdout, /^complete -o default -F __berth_bash berth$/m);
    const syntax = await run('bash', ['-n', '-c', zsh.stdout.replace(/^autoload.*$/gm, '')]);
    assert.equal(syntax.code, 0, syntax.stderr);
    const fish = await b.run(['completion', 'fish']);
    assert.equal(fish.code, 0);
    for (const c of COMMANDS) {
      for (const f of c.flags.filter((x) => !x.hidden)) {
        assert.match(
          fish.stdout,
          new RegExp(`^complete -c berth -n '__berth_cmd ${esc(c.name)}' -l ${esc(f.name)}\\b`, 'm'),
          `${c.name} --${f.name}`,
        );
      }
    }
    assert.match(fish.stdout, /^complete -c berth -n '__berth_cmd pull' -l policy -x -a 'always missing never newer'/m);
    for (const shell of ['zsh', 'fish'].filter(haveTool)) {
      const check = await run(shell, ['-n', '-c', shell === 'zsh' ? zsh.stdout : fish.stdout]);
      assert.equal(check.code, 0, `${shell}: ${check.stderr}`);
    }
  });
});

describe('new flags end to end: load -i URL, save --uncompressed, push --format docker', { skip: skipE2E }, () => {
  let b: ScratchBerth;
  let reg: Registry;
  let podman: ScratchPodman;
  let http: Server;
  let base: string;
  const img = buildImage({
    layers: [
      { files: { 'etc/hello': 'hello\n' }, gzip: true },
      { files: { 'app/data': Buffer.alloc(20_000, 3) }, gzip: true },
    ],
    label: 'cli-flags',
  });
  const id = img.configDigest.slice(7);
  const name = 'localhost/cli/flags:1';
  const layerMT = (m: { layers: { mediaType: string }[] }) => m.layers.map((l) => l.mediaType);

  before(async () => {
    b = await scratchBerth();
    reg = await startRegistry();
    podman = await scratchPodman();
    const layout = path.join(b.dir, 'layout');
    await writeLayout(layout, img, 'x');
    assert.equal((await b.run(['pull', '-q', `oci:${layout}:x`])).code, 0);
    assert.equal((await b.run(['tag', id, name])).code, 0);
    // a plain http server for load -i URL, serving files of b.dir
    http = createServer((req, res) => {
      const file = path.join(b.dir, path.basename(req.url ?? ''));
      if (!fs.existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-tar' });
      fs.createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => http?.close(resolve));
    await reg?.stop();
    await podman?.cleanup();
    await b?.cleanup();
  });

  test('load -i http://...: downloads, then loads as from a file; a 404 loads nothing', async () => {
    const tar = path.join(b.dir, 'img.tar');
    assert.equal((await b.run(['save', '-o', tar, name])).code, 0);
    const root = b.store();
    const r = await b.run(['load', '-i', `${base}/img.tar`], { root });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Loaded image: ${name}\n`);
    const ids = await b.run(['images', '-q', '--no-trunc'], { root });
    assert.equal(ids.stdout, `sha256:${id}\n`);
    const empty = b.store();
    const miss = await b.run(['load', '-i', `${base}/missing.tar`], { root: empty });
    assert.equal(miss.code, 125);
    assert.equal(miss.stderr, `Error: downloading from "${base}/missing.tar": HTTP 404 Not Found\n`);
    assert.equal((await b.run(['images', '-q'], { root: empty })).stdout, '');
  });

  test('save --uncompressed: plain tar layers in oci-archive and oci-dir; podman loads it with the same ID', async () => {
    const diffIDs = (JSON.parse(img.config.toString()) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
    for (const uncompressed of [false, true]) {
      const file = path.join(b.dir, `oci-${uncompressed}.tar`);
      const r = await b.run(['save', '--format', 'oci-archive', ...(uncompressed ? ['--uncompressed'] : []), '-o', file, name]);
      assert.equal(r.code, 0, r.stderr);
      const members = new TarMembers(indexTarFile(file, file), file);
      const member = (n: string) => {
        const e = members.resolve(n);
        return readMember(file, e.offset, e.size);
      };
      const index = JSON.parse(member('index.json').toString()) as { manifests: { digest: string }[] };
      const manifest = JSON.parse(member(`blobs/sha256/${index.manifests[0]!.digest.slice(7)}`).toString()) as {
        layers: { mediaType: string; digest: string }[];
      };
      if (uncompressed) {
        assert.deepEqual(layerMT(manifest), ['application/vnd.oci.image.layer.v1.tar', 'application/vnd.oci.image.layer.v1.tar']);
        assert.deepEqual(
          manifest.layers.map((l) => l.digest),
          diffIDs,
        );
      } else {
        assert.deepEqual(layerMT(manifest), ['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+gzip']);
      }
      const p = await podman.run(['load', '-q', '-i', file]);
      assert.equal(p.code, 0, p.stderr);
      const pid = await podman.run(['images', '-q', '--no-trunc']);
      assert.match(pid.stdout, new RegExp(`^sha256:${id}$`, 'm'));
      assert.equal((await podman.run(['rmi', '-a', '-f'])).code, 0);
    }
    const dir = path.join(b.dir, 'oci-dir');
    assert.equal((await b.run(['save', '--format', 'oci-dir', '--uncompressed', '-o', dir, name])).code, 0);
    const index = JSON.parse(await fsp.readFile(path.join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const manifest = JSON.parse(await fsp.readFile(path.join(dir, 'blobs/sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as {
      layers: { mediaType: string; digest: string }[];
    };
    assert.deepEqual(
      manifest.layers.map((l) => l.digest),
      diffIDs,
    );
  });

  test('push --format docker (= v2s2) to a registry', async () => {
    const digests: string[] = [];
    for (const format of ['docker', 'v2s2']) {
      const dest = `${reg.host}/cli/flags:${format}`;
      const r = await b.run(['push', '-q', '--tls-verify=false', '--format', format, name, `docker://${dest}`]);
      assert.equal(r.code, 0, r.stderr);
      digests.push(r.stdout.trim());
      const raw = await podman.skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${dest}`]);
      assert.equal(raw.code, 0, raw.stderr);
      const m = JSON.parse(raw.stdout) as { mediaType: string; layers: { mediaType: string }[] };
      assert.equal(m.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
      assert.deepEqual(layerMT(m), [
        'application/vnd.docker.image.rootfs.diff.tar.gzip',
        'application/vnd.docker.image.rootfs.diff.tar.gzip',
      ]);
    }
    assert.equal(digests[0], digests[1]);
    assert.match(digests[0]!, /^sha256:[0-9a-f]{64}$/);
  });
});
