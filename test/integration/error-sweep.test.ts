/**
 * Bad input to every command of the command table: an unknown flag, a flag without its value,
 * missing and extra arguments, values of the wrong kind (numbers, durations, choices). Each
 * must be one `Error: ...` line in pflag's/cobra's/podman's words, exit 125, no stack trace,
 * and leave a store holding an image, a container and a manifest list exactly as it was (and a
 * store that does not exist not created). Then the failures found by sweeping by hand, one test
 * each: files that do not exist (--authfile, completion --file), a manifest create that fails
 * half-way, `system recover` on a locked or read-only store, a group given an unknown flag, names
 * that do not parse given to `image exists` and `manifest exists`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import { COMMANDS, type CommandDef } from '../../cli/command-table.js';
import { route } from '../../cli/dispatch.js';
import { BerthError } from '../../src/errors.js';
import type { FlagSpec } from '../../cli/flags.js';
import { scratchBerth, BERTH_CLI, type ScratchBerth } from '../helpers/berth.js';
import { assertOneLineError, dockerArchive, makeImage, makeTar } from '../helpers/archives.js';
import { run, runOk, type RunResult } from '../helpers/tools.js';

const isRoot = process.getuid?.() === 0;

/** Every file of a store with its hash, and every row of its index but leases (what a failed command must keep). */
function storeState(root: string): string {
  if (!fs.existsSync(root)) return 'absent';
  const lines: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      const rel = path.relative(root, p);
      // the index is compared by its rows; lock files come and go with each writing process
      if (/^index\.db(-wal|-shm)?$/.test(rel) || rel.startsWith('locks')) continue;
      if (e.isDirectory()) {
        lines.push(`${rel}/`);
        walk(p);
      } else lines.push(`${rel} ${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`);
    }
  };
  walk(root);
  const db = new Database(path.join(root, 'index.db'), { readonly: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[];
    for (const t of tables.filter((x) => !['leases', 'lease_blobs'].includes(x)))
      for (const row of db.prepare(`SELECT * FROM "${t}"`).all()) lines.push(`${t} ${JSON.stringify(row)}`);
  } finally {
    db.close();
  }
  return lines.sort().join('\n');
}

/** Run `cases` two at a time (each is a separate berth process). */
async function runAll<T>(cases: readonly T[], fn: (c: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < cases.length) await fn(cases[next++]!);
  };
  await Promise.all([worker(), worker()]);
}

/** cobra's words for a wrong number of arguments (berth's own for commands that take none). */
function argCountError(c: CommandDef, n: number): string {
  if (n === 0 && c.missingArgs) return `Error: ${c.missingArgs}`;
  const { minArgs: min, maxArgs: max } = c;
  if (max === 0) return `Error: \`berth ${c.name}\` takes no arguments`;
  if (min !== undefined && max !== undefined && min === max) return `Error: accepts ${max} arg(s), received ${n}`;
  if (min !== undefined && max !== undefined) return `Error: accepts between ${min} and ${max} arg(s), received ${n}`;
  if (max !== undefined) return `Error: accepts at most ${max} arg(s), received ${n}`;
  return `Error: requires at least ${min} arg(s), only received ${n}`;
}

const flagName = (f: FlagSpec) => (f.short ? `-${f.short}, --${f.name}` : `--${f.name}`);

interface Case {
  what: string;
  args: string[];
  /** The whole stderr line, or a pattern for it. */
  err: string | RegExp;
}

function sweepCases(): Case[] {
  const cases: Case[] = [];
  for (const c of COMMANDS) {
    const w = c.name.split(' ');
    cases.push({ what: `${c.name} --bogus-flag`, args: [...w, '--bogus-flag'], err: 'Error: unknown flag: --bogus-flag' });
    if (c.minArgs) cases.push({ what: `${c.name} (no arguments)`, args: w, err: argCountError(c, 0) });
    if (c.maxArgs !== undefined) {
      const extra = Array.from({ length: c.maxArgs + 1 }, (_, i) => `extra${i}`);
      cases.push({ what: `${c.name} (${extra.length} arguments)`, args: [...w, ...extra], err: argCountError(c, extra.length) });
    }
    for (const f of c.flags) {
      if (f.type === 'bool') {
        cases.push({
          what: `${c.name} --${f.name}=maybe`,
          args: [...w, `--${f.name}=maybe`],
          err: `Error: invalid argument "maybe" for "${flagName(f)}" flag: strconv.ParseBool: parsing "maybe": invalid syntax`,
        });
        continue;
      }
      cases.push({
        what: `${c.name} --${f.name} (no value)`,
        args: [...w, `--${f.name}`],
        err: `Error: flag needs an argument: --${f.name}`,
      });
      if (f.type === 'int' || f.type === 'uint')
        cases.push({
          what: `${c.name} --${f.name}=abc`,
          args: [...w, `--${f.name}=abc`],
          err: `Error: invalid argument "abc" for "${flagName(f)}" flag: strconv.Parse${f.type === 'int' ? 'Int' : 'Uint'}: parsing "abc": invalid syntax`,
        });
      if (f.type === 'uint')
        cases.push({
          what: `${c.name} --${f.name}=-1`,
          args: [...w, `--${f.name}=-1`],
          err: `Error: invalid argument "-1" for "${flagName(f)}" flag: strconv.ParseUint: parsing "-1": invalid syntax`,
        });
      if (f.type === 'duration')
        cases.push({ what: `${c.name} --${f.name}=abc`, args: [...w, `--${f.name}=abc`], err: 'Error: time: invalid duration "abc"' });
      // a value outside the choices: each command's own words (podman's differ by flag), one line
      if (f.choices)
        cases.push({ what: `${c.name} --${f.name}=bogus`, args: [...w, `--${f.name}=bogus`], err: /^Error: .*(bogus|must be one of)/ });
    }
  }
  return cases;
}

describe('every command, bad flags and arguments', () => {
  let b: ScratchBerth;
  /** Cases the command line parser does not refuse (the command checks them): run as berth processes. */
  const late: Case[] = [];
  before(async () => {
    b = await scratchBerth();
    const img = makeImage({ repoTags: ['example.com/sweep:1'], seed: 'sweep' });
    const archive = path.join(b.dir, 'sweep.tar');
    await fsp.writeFile(archive, dockerArchive([img]));
    for (const args of [
      ['load', '-q', '-i', archive],
      ['create', '--name', 'c1', 'example.com/sweep:1'],
      ['manifest', 'create', 'localhost/sweep-list:1', 'containers-storage:example.com/sweep:1'],
    ]) {
      const r = await b.run(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
  });
  after(() => b.cleanup());

  const matches = (c: Case, line: string) => (typeof c.err === 'string' ? line === c.err : c.err.test(line));

  test('the command line parser refuses each with one line in pflag/cobra words', () => {
    const cases = sweepCases();
    assert.ok(cases.length > 300, `${cases.length} cases`);
    const failures: string[] = [];
    for (const c of cases) {
      let line: string;
      try {
        route(c.args);
        late.push(c);
        continue;
      } catch (e) {
        assert.ok(e instanceof BerthError, `${c.what}: ${String(e)}`);
        assert.equal(e.exitCode, 125, c.what);
        line = `Error: ${e.message}${e.hint ? ` (${e.hint})` : ''}`;
      }
      if (!matches(c, line) || line.includes('\n')) failures.push(`${c.what}: ${JSON.stringify(line)}, expected ${String(c.err)}`);
    }
    assert.deepEqual(failures, []);
    // what only the command itself can judge: values outside a flag's choices, Go durations
    assert.deepEqual(
      late.filter((c) => !/=(bogus|abc)$/.test(c.what)).map((c) => c.what),
      [],
    );
  });

  test('berth refuses them (and every command with too few or too many arguments) the same way; the store is unchanged', async () => {
    const cases = [...late, ...sweepCases().filter((c) => c.what.endsWith('arguments)'))];
    assert.ok(cases.length > 60, `${cases.length} cases`);
    const state = storeState(b.root);
    const failures: string[] = [];
    await runAll(cases, async (c) => {
      const r = await b.run(c.args);
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      const ok =
        r.code === 125 && lines.length === 1 && matches(c, lines[0]!) && !/internal error|undefined|\[object Object\]|NaN/.test(r.stderr);
      if (!ok) failures.push(`${c.what}: exit ${r.code}, stderr ${JSON.stringify(r.stderr)}, expected ${String(c.err)}`);
    });
    assert.deepEqual(failures, []);
    assert.equal(storeState(b.root), state, 'the store is as it was');
  });

  test('every command with an unknown flag: one line, exit 125, and a store that does not exist is not created', async () => {
    const root = b.store();
    const failures: string[] = [];
    await runAll(
      sweepCases().filter((c) => c.what.endsWith('--bogus-flag')),
      async (c) => {
        const r = await b.run(c.args, { root });
        if (r.code !== 125 || r.stderr !== `${String(c.err)}\n`)
          failures.push(`${c.what}: exit ${r.code}, stderr ${JSON.stringify(r.stderr)}`);
      },
    );
    assert.deepEqual(failures, []);
    assert.equal(fs.existsSync(root), false);
  });

  test('image exists and manifest exists: a name that does not parse is an error (125), as podman; a missing one exit 1', async () => {
    for (const cmd of [
      ['image', 'exists'],
      ['manifest', 'exists'],
    ]) {
      for (const [name, why] of [
        ['UPPER', 'repository name must be lowercase'],
        ['a@b', 'invalid reference format'],
        [':tag', 'invalid reference format'],
        ['', 'repository name must have at least one component'],
      ] as const) {
        const r = await b.run([...cmd, name]);
        assert.equal(r.code, 125, `${cmd.join(' ')} ${name}`);
        assert.equal(r.stderr, `Error: ${why}\n`);
      }
      const missing = await b.run([...cmd, 'example.com/nosuch:1']);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, '');
    }
    assert.equal((await b.run(['image', 'exists', 'example.com/sweep:1'])).code, 0);
    assert.equal((await b.run(['manifest', 'exists', 'localhost/sweep-list:1'])).code, 0);
  });

  test('a group given a flag none of its commands has: unknown flag, as podman', async () => {
    for (const g of ['image', 'manifest', 'system', 'container', 'image trust']) {
      assert.throws(() => route([...g.split(' '), '--bogus-flag']), { message: 'unknown flag: --bogus-flag' }, g);
      const r = await b.run([...g.split(' '), '--bogus-flag']);
      assert.equal(r.code, 125, g);
      assert.equal(r.stderr, 'Error: unknown flag: --bogus-flag\n', g);
      assert.equal(r.stdout, '', `${g}: no help on stdout`);
    }
    const bare = await b.run(['manifest']);
    assert.equal(bare.code, 125);
    assert.equal(bare.stderr, "Error: missing command 'berth manifest COMMAND'\n");
  });
});

describe('files that do not exist', () => {
  let b: ScratchBerth;
  let archive: string;
  before(async () => {
    b = await scratchBerth();
    archive = path.join(b.dir, 'one.tar');
    await fsp.writeFile(archive, dockerArchive([makeImage({ repoTags: ['example.com/one:1'], seed: 'one' })]));
    const r = await b.run(['load', '-q', '-i', archive]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => b.cleanup());

  test('--authfile naming no file: podman\'s "stat FILE: no such file or directory" before anything is done', async () => {
    const missing = path.join(b.dir, 'nowhere', 'auth.json');
    const state = storeState(b.root);
    const out = path.join(b.dir, 'out');
    for (const [args, prefix] of [
      [['pull', '--authfile', missing, `docker-archive:${archive}`], ''],
      [['push', '--authfile', missing, 'example.com/one:1', `oci:${out}`], ''],
      [['search', '--list-tags', '--authfile', missing, '127.0.0.1:1/x'], ''],
      [['image', 'list-tags', '--authfile', missing, '127.0.0.1:1/x'], ''],
      [['manifest', 'add', '--authfile', missing, 'localhost/nolist:1', `docker-archive:${archive}`], 'checking authfile: '],
      [['manifest', 'push', '--authfile', missing, 'localhost/nolist:1', `oci:${out}`], 'checking authfile: '],
      [['logout', '--authfile', missing, 'example.com'], 'checking authfile: '],
    ] as [string[], string][]) {
      const r = await b.run(args);
      assert.equal(r.code, 125, args.join(' '));
      assert.equal(r.stderr, `Error: ${prefix}stat ${missing}: no such file or directory\n`, args.join(' '));
    }
    assert.equal(fs.existsSync(out), false);
    assert.equal(storeState(b.root), state);
    // an auth file that exists is used as before
    await fsp.writeFile(path.join(b.dir, 'auth.json'), '{"auths":{}}');
    const ok = await b.run(['pull', '-q', '--authfile', path.join(b.dir, 'auth.json'), `docker-archive:${archive}`]);
    assert.equal(ok.code, 0, ok.stderr);
  });

  test('completion --file into a directory that does not exist: one line, no stack', async () => {
    const file = path.join(b.dir, 'nowhere', 'berth.bash');
    const r = await b.run(['completion', '--file', file, 'bash']);
    assert.equal(r.code, 125);
    assert.equal(r.stderr, `Error: open ${file}: no such file or directory\n`);
    const dirAsFile = await b.run(['completion', '--file', b.dir, 'bash']);
    assert.equal(dirAsFile.stderr, `Error: open ${b.dir}: is a directory\n`);
  });
});

describe('manifest create that fails part-way', () => {
  test('leaves no list behind: the name can be used again', async () => {
    const b = await scratchBerth();
    try {
      const archive = path.join(b.dir, 'one.tar');
      await fsp.writeFile(archive, dockerArchive([makeImage({ repoTags: ['example.com/one:1'], seed: 'mc' })]));
      assert.equal((await b.run(['load', '-q', '-i', archive])).code, 0);
      const state = storeState(b.root);
      const missing = path.join(b.dir, 'missing.tar');
      const r = await b.run(['manifest', 'create', 'localhost/mc:1', 'containers-storage:example.com/one:1', `docker-archive:${missing}`]);
      assertOneLineError(r, missing, /^Error: setting up to read manifest and configuration from "docker-archive:\S+": /);
      assert.equal((await b.run(['manifest', 'exists', 'localhost/mc:1'])).code, 1);
      const images = await b.run(['images', '-a', '--format', '{{.Repository}}:{{.Tag}}']);
      assert.equal(images.stdout, 'example.com/one:1\n');
      // only the names journal tells the story (the list came and went); the index and blobs are as before
      const strip = (s: string) => s.replace(/^names\.journal .*$/m, '');
      assert.equal(strip(storeState(b.root)), strip(state));
      const again = await b.run(['manifest', 'create', 'localhost/mc:1', 'containers-storage:example.com/one:1']);
      assert.equal(again.code, 0, again.stderr);
      // --amend keeps the list it was given, with what was added before the failure
      const amend = await b.run(['manifest', 'create', '--amend', 'localhost/mc:1', `docker-archive:${missing}`]);
      assert.equal(amend.code, 125);
      assert.equal((await b.run(['manifest', 'exists', 'localhost/mc:1'])).code, 0);
    } finally {
      await b.cleanup();
    }
  });
});

describe('system recover on a store it cannot change', () => {
  let b: ScratchBerth;
  let holder: ChildProcess | undefined;
  before(async () => {
    b = await scratchBerth();
    const archive = path.join(b.dir, 'one.tar');
    await fsp.writeFile(archive, dockerArchive([makeImage({ repoTags: ['example.com/one:1'], seed: 'rec' })]));
    assert.equal((await b.run(['load', '-q', '-i', archive])).code, 0);
  });
  after(async () => {
    holder?.kill('SIGKILL');
    await b.cleanup();
  });

  test('an index locked by another process: STORE_LOCKED after BERTH_LOCK_TIMEOUT, nothing left behind', async () => {
    const file = path.join(b.root, 'index.db');
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    holder = spawn(
      process.execPath,
      [
        '-e',
        `const D = require(${JSON.stringify(sqlite)}); const db = new D(${JSON.stringify(file)}); db.exec('BEGIN IMMEDIATE');
         process.stdout.write('locked\\n'); process.stdin.on('data', () => {});
         process.stdin.on('end', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      holder!.stdout!.once('data', () => resolve());
      holder!.once('exit', (c) => reject(new Error(`lock holder exited ${c}`)));
    });
    const state = storeState(b.root);
    const t0 = Date.now();
    const r = await b.run(['system', 'recover'], { env: { BERTH_LOCK_TIMEOUT: '1' } });
    assert.ok(Date.now() - t0 < 20_000, 'it gave up after the lock timeout');
    assertOneLineError(
      r,
      file,
      /^Error: the image index \S+ is locked by another berth process \(waited 1s\) \(retry when it has finished, or stop it\)$/,
    );
    assert.equal(r.code, 125);
    assert.deepEqual(fs.readdirSync(path.join(b.root, 'tmp')), [], 'the index it built is removed');
    assert.equal(storeState(b.root), state);
    holder.stdin!.end();
    await new Promise((res) => holder!.once('exit', res));
    holder = undefined;
    const ok = await b.run(['system', 'recover']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  test('a store this user cannot write: STORE_READONLY naming the directory', { skip: isRoot ? false : 'needs root (chown)' }, async () => {
    const root = b.store();
    await fsp.cp(b.root, root, { recursive: true });
    await fsp.chmod(b.dir, 0o755);
    await runOk('chown', ['-R', '40005:40005', root]);
    await runOk('chmod', ['-R', 'a-w', root]);
    const state = storeState(root);
    const r: RunResult = await run(
      'setpriv',
      ['--reuid=40005', '--regid=40005', '--clear-groups', process.execPath, BERTH_CLI, '--root', root, 'system', 'recover'],
      { env: { HOME: b.home, BERTH_ROOT: undefined } },
    );
    assert.equal(r.code, 125);
    assertOneLineError(
      r,
      root,
      /^Error: cannot write \S+: permission denied \(owned by uid 40005, mode 0[0-7]{3}\) \(the store is read-only/,
    );
    assert.equal(storeState(root), state);
    await runOk('chmod', ['-R', 'u+w', root]);
  });
});

describe('small files written beside the store on a full disk', { skip: isRoot ? false : 'needs root (mount)' }, () => {
  let b: ScratchBerth;
  let mnt: string;
  before(async () => {
    b = await scratchBerth();
    const archive = path.join(b.dir, 'one.tar');
    await fsp.writeFile(archive, dockerArchive([makeImage({ repoTags: ['example.com/one:1'], seed: 'full' })]));
    assert.equal((await b.run(['load', '-q', '-i', archive])).code, 0);
    mnt = path.join(b.dir, 'tmpfs');
    await fsp.mkdir(mnt);
    await runOk('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
  });
  after(async () => {
    if ((await run('umount', [mnt])).code !== 0) await run('umount', ['-l', mnt]);
    await b.cleanup();
  });

  /** Fill the file system of `file` to its last byte (the small tmpfs by default). */
  function fillUp(file = path.join(mnt, 'fill')): void {
    const fd = fs.openSync(file, 'a');
    const chunk = Buffer.alloc(64 * 1024);
    try {
      for (let size = chunk.length; size >= 512; size /= 2) {
        for (;;) {
          try {
            fs.writeSync(fd, chunk.subarray(0, size));
          } catch {
            break;
          }
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  test('push --digestfile and image trust set fail in one line; no empty file replaces the old one', async () => {
    const policy = path.join(mnt, 'policy.json');
    const before = '{"default":[{"type":"reject"}]}';
    await fsp.writeFile(policy, before);
    fillUp();
    const digestfile = path.join(mnt, 'digest');
    const push = await b.run(['push', '-q', '--digestfile', digestfile, 'example.com/one:1', `oci:${path.join(b.dir, 'pushed')}`]);
    assertOneLineError(
      push,
      digestfile,
      /^Error: pushed sha256:[0-9a-f]{64}, but cannot write the digest file \S+: no space left on device$/,
    );
    assert.equal(fs.existsSync(digestfile), false, 'no empty digest file');
    const trust = await b.run(['image', 'trust', 'set', '-t', 'accept', '--signature-policy', policy, 'default']);
    assertOneLineError(trust, policy, /^Error: cannot write \S+: no space left on device$/);
    assert.equal(await fsp.readFile(policy, 'utf8'), before, 'the policy is as it was');
    assert.deepEqual((await fsp.readdir(mnt)).sort(), ['fill', 'policy.json'], 'no temporary file left');
  });

  test('on a full store, a command that frees nothing fails with STORE_FULL and leaves the reserve for rmi', async () => {
    const big = path.join(b.dir, 'tmpfs-store');
    await fsp.mkdir(big);
    await runOk('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', big]);
    try {
      const root = path.join(big, 'store');
      assert.equal((await b.run(['load', '-q', '-i', path.join(b.dir, 'one.tar')], { root })).code, 0);
      const tar = path.join(b.dir, 'rootfs.tar');
      await fsp.writeFile(tar, makeTar({ 'a.txt': 'a\n' }));
      fillUp(path.join(big, 'fill'));
      const reserve = await fsp.readFile(path.join(root, 'reserve'));
      for (const args of [
        ['import', '-q', tar, 'imp:1'],
        ['create', '--name', 'c1', 'example.com/one:1'],
      ]) {
        const r = await b.run(args, { root });
        assertOneLineError(
          r,
          root,
          /^Error: cannot write \S+: no space left on device \(free space on that file system, e\.g\. with "berth rmi"/,
        );
        assert.equal(r.code, 125);
        assert.deepEqual(await fsp.readFile(path.join(root, 'reserve')), reserve, `${args[0]} left the reserve`);
      }
      const rmi = await b.run(['rmi', 'example.com/one:1'], { root });
      assert.equal(rmi.code, 0, rmi.stderr);
    } finally {
      if ((await run('umount', [big])).code !== 0) await run('umount', ['-l', big]);
    }
  });

  test("a blob that does not fit in an oci: destination: Go's words, not Node's", async () => {
    fillUp();
    const r = await b.run(['push', '-q', 'example.com/one:1', `oci:${path.join(mnt, 'layout')}`]);
    assertOneLineError(r, mnt, /^Error: cannot write \S+: no space left on device$/);
  });
});
