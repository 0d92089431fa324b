/**
 * Credentials: auth file chain and key lookup order (containers/image pkg/docker/config/config.go
 * getAuthFilePaths, findCredentialsInFile, authKeyLookupOrder, decodeDockerAuth; cf.
 * config_test.go TestGetAuth*, TestSetCredentials, TestRemoveAuthentication), podman's CLI file
 * choice (containers/common pkg/auth/auth.go GetDefaultAuthFile, systemContextWithOptions) and
 * docker credential helpers, exercised with a small fake `docker-credential-test` program.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type AuthOptions,
  defaultAuthFile,
  getCredentials,
  listAuthKeys,
  removeAllCredentials,
  removeCredentials,
  setCredentials,
} from '../../../src/auth/authfile.js';
import { helperErase, helperGet, helperList, helperStore } from '../../../src/auth/credhelper.js';
import { isBerthError } from '../../../src/errors.js';
import { expectError } from '../../helpers/expect-error.js';

const roots: string[] = [];
after(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const entry = (user: string, pass: string) => ({ auth: b64(`${user}:${pass}`) });

/** Fake helper: keeps its store in $FAKE_HELPER_DB (JSON), logs calls to $FAKE_HELPER_LOG. */
const HELPER = `#!${process.execPath}
const fs = require('fs');
const action = process.argv[2];
const db = process.env.FAKE_HELPER_DB;
const load = () => { try { return JSON.parse(fs.readFileSync(db, 'utf8')); } catch { return {}; } };
const save = (d) => fs.writeFileSync(db, JSON.stringify(d));
let input = '';
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  if (process.env.FAKE_HELPER_LOG) fs.appendFileSync(process.env.FAKE_HELPER_LOG, action + ' ' + (action === 'store' ? JSON.parse(input).ServerURL : input.trim()) + '\\n');
  if (process.env.FAKE_HELPER_SLEEP) { setTimeout(() => {}, 100000); return; }
  if (process.env.FAKE_HELPER_FAIL) { process.stdout.write('the keychain is locked\\n'); process.exit(1); }
  const d = load();
  switch (action) {
    case 'get': {
      const e = d[input.trim()];
      if (!e) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
      process.stdout.write(JSON.stringify({ ServerURL: input.trim(), Username: e.Username, Secret: e.Secret }));
      break;
    }
    case 'store': { const c = JSON.parse(input); d[c.ServerURL] = { Username: c.Username, Secret: c.Secret }; save(d); break; }
    case 'erase': {
      if (!d[input.trim()]) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
      delete d[input.trim()]; save(d); break;
    }
    case 'list': { const o = {}; for (const k of Object.keys(d)) o[k] = d[k].Username; process.stdout.write(JSON.stringify(o)); break; }
    default: process.stdout.write('unknown action'); process.exit(1);
  }
});
`;

interface Sandbox {
  root: string;
  home: string;
  runtime: string;
  xdgConfig: string;
  bin: string;
  db: string;
  log: string;
  env: NodeJS.ProcessEnv;
  opts: AuthOptions;
  write(rel: string, doc: unknown): string;
  helperDb(): Record<string, { Username: string; Secret: string }>;
  calls(): string[];
}

function sandbox(extraEnv: NodeJS.ProcessEnv = {}): Sandbox {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-auth-'));
  roots.push(root);
  const home = path.join(root, 'home');
  const runtime = path.join(root, 'run');
  const xdgConfig = path.join(root, 'xdg-config');
  const bin = path.join(root, 'bin');
  for (const d of [home, runtime, bin]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(bin, 'docker-credential-test'), HELPER, { mode: 0o755 });
  const db = path.join(root, 'helper-db.json');
  const log = path.join(root, 'helper.log');
  const env: NodeJS.ProcessEnv = {
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    XDG_CONFIG_HOME: xdgConfig,
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    FAKE_HELPER_DB: db,
    FAKE_HELPER_LOG: log,
    ...extraEnv,
  };
  return {
    root,
    home,
    runtime,
    xdgConfig,
    bin,
    db,
    log,
    env,
    opts: { env, home },
    write(rel, doc) {
      const p = path.isAbsolute(rel) ? rel : path.join(root, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, typeof doc === 'string' ? doc : JSON.stringify(doc));
      return p;
    },
    helperDb() {
      try {
        return JSON.parse(fs.readFileSync(db, 'utf8'));
      } catch {
        return {};
      }
    },
    calls() {
      try {
        return fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
  };
}

// config.go getAuthFilePaths: primary ($XDG_RUNTIME_DIR), $XDG_CONFIG_HOME, ~/.docker/config.json, ~/.dockercfg.
test('file chain order: the first file with a match wins, regardless of key specificity in later files', async () => {
  const s = sandbox();
  s.write('run/containers/auth.json', { auths: { 'reg.example.com': entry('primary', 'p1') } });
  s.write('xdg-config/containers/auth.json', {
    auths: { 'reg.example.com/ns/repo': entry('xdg', 'p2'), 'second.example.com': entry('xdg', 'p2') },
  });
  s.write('home/.docker/config.json', {
    auths: { 'third.example.com': entry('docker', 'p3'), 'second.example.com': entry('docker', 'nope') },
  });
  s.write('home/.dockercfg', { 'https://fourth.example.com/v1/': entry('legacy', 'p4') });
  assert.deepEqual(await getCredentials('reg.example.com/ns/repo', s.opts), { username: 'primary', password: 'p1' });
  assert.deepEqual(await getCredentials('second.example.com/x/y', s.opts), { username: 'xdg', password: 'p2' });
  assert.deepEqual(await getCredentials('third.example.com', s.opts), { username: 'docker', password: 'p3' });
  assert.deepEqual(await getCredentials('fourth.example.com/a', s.opts), { username: 'legacy', password: 'p4' });
  assert.equal(await getCredentials('unknown.example.com', s.opts), undefined);
  assert.equal(defaultAuthFile(s.opts), path.join(s.runtime, 'containers/auth.json'));
});

// config.go authKeyLookupOrder: reg/ns/sub/repo → reg/ns/sub → reg/ns → reg.
test('within a file: most specific key first', async () => {
  const s = sandbox();
  s.write('run/containers/auth.json', {
    auths: {
      'quay.io': entry('registry', 'r'),
      'quay.io/ns': entry('namespace', 'n'),
      'quay.io/ns/sub/repo': entry('repo', 'x'),
    },
  });
  const cases: [string, string][] = [
    ['quay.io/ns/sub/repo', 'repo'],
    ['quay.io/ns/sub/other', 'namespace'],
    ['quay.io/ns/sub', 'namespace'],
    ['quay.io/ns', 'namespace'],
    ['quay.io/nsx/repo', 'registry'],
    ['quay.io', 'registry'],
  ];
  for (const [key, user] of cases) assert.equal(((await getCredentials(key, s.opts)) as { username: string }).username, user, key);
});

// config.go findCredentialsInFile normalization + normalizeRegistry: Docker Hub spellings.
test('docker.io: found under "https://index.docker.io/v1/" and registry-1.docker.io', async () => {
  const s = sandbox();
  s.write('home/.docker/config.json', { auths: { 'https://index.docker.io/v1/': entry('hubuser', 'hubpass') }, psFormat: 'table' });
  assert.deepEqual(await getCredentials('docker.io/library/alpine', s.opts), { username: 'hubuser', password: 'hubpass' });
  assert.deepEqual(await getCredentials('docker.io', s.opts), { username: 'hubuser', password: 'hubpass' });
  const t = sandbox();
  t.write('run/containers/auth.json', { auths: { 'registry-1.docker.io': entry('r1', 'p') } });
  assert.deepEqual(await getCredentials('docker.io/x/y', t.opts), { username: 'r1', password: 'p' });
  // URL keys for other registries, as old `docker login https://host` wrote them.
  const u = sandbox();
  u.write('home/.docker/config.json', { auths: { 'https://old.example.com:5000/v2/': entry('old', 'p') } });
  assert.deepEqual(await getCredentials('old.example.com:5000/a/b', u.opts), { username: 'old', password: 'p' });
});

// config.go decodeDockerAuth: identity tokens, NULs trimmed, entries without ':' skipped.
test('entry decoding: identity token, NUL trimming, unusable entries', async () => {
  const s = sandbox();
  s.write('run/containers/auth.json', {
    auths: {
      'token.example.com': { auth: b64('tokuser:'), identitytoken: 'refresh-token' },
      'onlytoken.example.com': { identitytoken: 'refresh-2' },
      'nul.example.com': { auth: b64('u:pass\0\0') },
      'colonless.example.com': { auth: b64('justauser') },
      'helpermarker.example.com': {},
    },
  });
  s.write('xdg-config/containers/auth.json', { auths: { 'colonless.example.com': entry('fallback', 'f') } });
  assert.deepEqual(await getCredentials('token.example.com/x', s.opts), { identityToken: 'refresh-token', username: 'tokuser' });
  assert.deepEqual(await getCredentials('onlytoken.example.com', s.opts), { identityToken: 'refresh-2' });
  assert.deepEqual(await getCredentials('nul.example.com', s.opts), { username: 'u', password: 'pass' });
  // an unusable entry in the first file makes c/image move on to the next file
  assert.deepEqual(await getCredentials('colonless.example.com', s.opts), { username: 'fallback', password: 'f' });
  assert.equal(await getCredentials('helpermarker.example.com', s.opts), undefined);
});

test('malformed files are CONFIG errors naming the file, never the secret', async () => {
  const SECRET = 'hunter2-very-secret';
  const cases: [unknown, string][] = [
    [`{"auths": {"a.example.com": {"auth": "${b64('u:' + SECRET)}" ${SECRET}}}}`, 'invalid JSON at line 1'],
    [`{"auths": {"a.example.com": ${SECRET}}}`, 'invalid JSON'],
    ['', 'unexpected end of input'],
    [{ auths: { 'a.example.com': { auth: `!!${SECRET}!!` } } }, 'entry "a.example.com": "auth" is not valid base64'],
    [{ auths: { 'a.example.com': { auth: 42 } } }, '"auth" must be a string'],
    [{ auths: [SECRET] }, '"auths" must be a JSON object'],
    [{ credHelpers: { 'a.example.com': 1 } }, '"credHelpers" entry "a.example.com" must be a string'],
  ];
  for (const [doc, msg] of cases) {
    const s = sandbox();
    const file = s.write('run/containers/auth.json', doc);
    await assert.rejects(getCredentials('a.example.com', s.opts), (e: unknown) => {
      assert.ok(isBerthError(e, 'CONFIG'), String(e));
      assert.ok((e as Error).message.startsWith(file + ': '), (e as Error).message);
      assert.ok((e as Error).message.includes(msg), `${(e as Error).message} lacks ${msg}`);
      assert.ok(!(e as Error).message.includes(SECRET) && !(e as Error).message.includes(b64('u:' + SECRET)), 'secret leaked');
      return true;
    });
  }
});

// common/pkg/auth GetDefaultAuthFile / systemContextWithOptions.
test('--authfile and $REGISTRY_AUTH_FILE replace the chain; $DOCKER_CONFIG reads only its config.json', async () => {
  const s = sandbox();
  s.write('run/containers/auth.json', { auths: { 'reg.example.com': entry('primary', 'p') } });
  const explicit = s.write('explicit.json', { auths: { 'other.example.com': entry('explicit', 'e') } });
  assert.equal(await getCredentials('reg.example.com', { ...s.opts, authfile: explicit }), undefined);
  assert.deepEqual(await getCredentials('other.example.com', { ...s.opts, authfile: explicit }), { username: 'explicit', password: 'e' });
  const viaEnv = { env: { ...s.env, REGISTRY_AUTH_FILE: explicit }, home: s.home };
  assert.equal(await getCredentials('reg.example.com', viaEnv), undefined);
  assert.equal(defaultAuthFile(viaEnv), explicit);
  const dc = path.join(s.root, 'dockercfgdir');
  s.write(path.join(dc, 'config.json'), { auths: { 'dc.example.com': entry('dc', 'd') } });
  const viaDocker = { env: { ...s.env, DOCKER_CONFIG: dc }, home: s.home };
  assert.equal(await getCredentials('reg.example.com', viaDocker), undefined);
  assert.deepEqual(await getCredentials('dc.example.com', viaDocker), { username: 'dc', password: 'd' });
  assert.equal(defaultAuthFile(viaDocker), path.join(dc, 'config.json'));
});

// config.go SetCredentials + modifyJSON (ioutils.AtomicWriteFile, 0600, MkdirAll 0700).
test('setCredentials: atomic write, 0600 file, 0700 dirs, other keys and fields kept', async () => {
  const s = sandbox();
  const file = path.join(s.runtime, 'containers/auth.json');
  assert.equal(await setCredentials('quay.io', { username: 'u1', password: 'p1' }, s.opts), file);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
  fs.writeFileSync(
    file,
    JSON.stringify({
      auths: { ...JSON.parse(fs.readFileSync(file, 'utf8')).auths, 'keep.example.com': { auth: b64('k:k'), email: 'x@example.com' } },
      credHelpers: { 'helped.example.com': 'test' },
      unknownTopLevel: { a: 1 },
    }),
    { mode: 0o644 },
  );
  await setCredentials('quay.io/ns/repo', { username: 'u2', password: 'p:2' }, s.opts);
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.deepEqual(Object.keys(doc.auths).sort(), ['keep.example.com', 'quay.io', 'quay.io/ns/repo']);
  assert.equal(doc.auths['keep.example.com'].email, 'x@example.com');
  assert.deepEqual(doc.credHelpers, { 'helped.example.com': 'test' });
  assert.deepEqual(doc.unknownTopLevel, { a: 1 });
  assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'rewritten with 0600');
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['auth.json'], 'no temp files left');
  assert.deepEqual(await getCredentials('quay.io/ns/repo', s.opts), { username: 'u2', password: 'p:2' });
  assert.deepEqual(await getCredentials('quay.io/ns/other', s.opts), { username: 'u1', password: 'p1' });
  // The legacy Hub key is accepted and stored as docker.io.
  await setCredentials('https://index.docker.io/v1/', { username: 'hub', password: 'h' }, s.opts);
  assert.ok('docker.io' in JSON.parse(fs.readFileSync(file, 'utf8')).auths);
});

// config.go validateKey.
test('keys with a scheme, "@" or a tag are rejected', async () => {
  const s = sandbox();
  for (const key of ['https://quay.io', 'http://quay.io/ns', 'quay.io/ns/repo@sha256:' + 'a'.repeat(64), 'quay.io/ns/repo:tag', '']) {
    await assert.rejects(setCredentials(key, { username: 'u', password: 'p' }, s.opts), expectError('INVALID_ARGUMENT'), key);
    await assert.rejects(getCredentials(key, s.opts), expectError('INVALID_ARGUMENT'), key);
  }
  await setCredentials('localhost:5000/ns', { username: 'u', password: 'p' }, s.opts); // a port is fine
  assert.ok(!fs.existsSync(path.join(s.runtime, 'containers/.tmp-auth.json')));
});

// common/pkg/auth systemContextWithOptions (DOCKER_CONFIG) + config.go modifyDockerConfigJSON.
test('$DOCKER_CONFIG: Docker-compatible writes', async () => {
  const s = sandbox();
  const dc = path.join(s.root, 'dc');
  const file = s.write(path.join(dc, 'config.json'), { auths: {}, currentContext: 'default' });
  const o = { env: { ...s.env, DOCKER_CONFIG: dc }, home: s.home };
  await setCredentials('docker.io', { username: 'hub', password: 'h' }, o);
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.deepEqual(Object.keys(doc.auths), ['https://index.docker.io/v1/']);
  assert.equal(doc.currentContext, 'default');
  await assert.rejects(
    setCredentials('quay.io/ns', { username: 'u', password: 'p' }, o),
    expectError('INVALID_ARGUMENT', /Docker-compatible/),
  );
  assert.equal(await removeCredentials('docker.io', o), true);
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')).auths, {});
});

// config.go RemoveAuthentication / RemoveAllAuthentication.
test('removeCredentials / removeAllCredentials', async () => {
  const s = sandbox();
  const file = path.join(s.runtime, 'containers/auth.json');
  assert.equal(await removeCredentials('quay.io', s.opts), false);
  assert.ok(!fs.existsSync(file), 'logging out of nothing creates no file');
  await setCredentials('quay.io', { username: 'u', password: 'p' }, s.opts);
  await setCredentials('ghcr.io', { username: 'g', password: 'p' }, s.opts);
  assert.equal(await removeCredentials('quay.io', s.opts), true);
  assert.equal(await removeCredentials('quay.io', s.opts), false);
  assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')).auths), ['ghcr.io']);
  await removeAllCredentials(s.opts);
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')).auths, {});
});

test('listAuthKeys: all files, URL and Hub spellings normalized', async () => {
  const s = sandbox();
  s.write('run/containers/auth.json', {
    auths: { 'quay.io/ns': entry('a', 'b'), 'registry-1.docker.io': entry('a', 'b') },
    credHelpers: { 'helped.example.com': 'test' },
  });
  s.write('home/.docker/config.json', {
    auths: { 'https://index.docker.io/v1/': entry('a', 'b'), 'https://legacyurl.example.com/v1/': entry('a', 'b') },
  });
  assert.deepEqual((await listAuthKeys(s.opts)).sort(), ['docker.io', 'helped.example.com', 'legacyurl.example.com', 'quay.io/ns']);
});

// config.go getPathToAuthWithOS: $XDG_RUNTIME_DIR pointing nowhere.
test('$XDG_RUNTIME_DIR missing: reads warn and go on, writes fail clearly', async () => {
  const s = sandbox();
  const env = { ...s.env, XDG_RUNTIME_DIR: path.join(s.root, 'no-such-dir') };
  s.write('xdg-config/containers/auth.json', { auths: { 'quay.io': entry('u', 'p') } });
  const warnings: string[] = [];
  assert.deepEqual(await getCredentials('quay.io', { env, home: s.home, warn: (m) => warnings.push(m) }), { username: 'u', password: 'p' });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /XDG_RUNTIME_DIR does not exist/);
  await assert.rejects(
    setCredentials('quay.io', { username: 'u', password: 'p' }, { env, home: s.home }),
    expectError('CONFIG', /XDG_RUNTIME_DIR/),
  );
});

// ---------------------------------------------------------------------------------------
// Credential helpers

// docker-credential-helpers client protocol (used by c/image getCredsFromCredHelper & co.).
test('credhelper: store / get / list / erase with a fake docker-credential-test', async () => {
  const s = sandbox();
  const o = { env: s.env };
  assert.equal(await helperGet('test', 'quay.io', o), undefined);
  await helperStore('test', 'quay.io', { username: 'u', secret: 's3cret' }, o);
  assert.deepEqual(s.helperDb(), { 'quay.io': { Username: 'u', Secret: 's3cret' } });
  assert.deepEqual(await helperGet('test', 'quay.io', o), { username: 'u', secret: 's3cret' });
  assert.deepEqual(await helperList('test', o), { 'quay.io': 'u' });
  assert.equal(await helperErase('test', 'quay.io', o), true);
  assert.equal(await helperErase('test', 'quay.io', o), false);
});

test('credhelper: missing binary, failure, timeout are clear errors without secrets', async () => {
  const s = sandbox();
  await assert.rejects(
    helperGet('nonexistent-berth-helper', 'quay.io', { env: s.env }),
    (e: unknown) =>
      isBerthError(e, 'CONFIG') &&
      (e as Error).message === 'credential helper docker-credential-nonexistent-berth-helper not found in $PATH',
  );
  await assert.rejects(
    helperStore('test', 'quay.io', { username: 'u', secret: 'TOPSECRET' }, { env: { ...s.env, FAKE_HELPER_FAIL: '1' } }),
    (e: unknown) =>
      isBerthError(e) &&
      /docker-credential-test store failed \(exit status 1\): the keychain is locked/.test((e as Error).message) &&
      !(e as Error).message.includes('TOPSECRET'),
  );
  const t0 = Date.now();
  await assert.rejects(
    helperGet('test', 'quay.io', { env: { ...s.env, FAKE_HELPER_SLEEP: '1' }, timeoutMs: 300 }),
    (e: unknown) => isBerthError(e) && /timed out/.test((e as Error).message),
  );
  assert.ok(Date.now() - t0 < 5000);
  await assert.rejects(helperGet('../evil', 'quay.io', { env: s.env }), expectError('CONFIG'));
});

// config.go findCredentialsInFile: credHelpers (by host) before auths within a file.
test('credHelpers in an auth file win over auths in that file, by host only', async () => {
  const s = sandbox();
  await helperStore('test', 'quay.io', { username: 'from-helper', secret: 'h' }, { env: s.env });
  s.write('run/containers/auth.json', { auths: { 'quay.io/ns/repo': entry('from-file', 'f') }, credHelpers: { 'quay.io': 'test' } });
  assert.deepEqual(await getCredentials('quay.io/ns/repo', s.opts), { username: 'from-helper', password: 'h' });
  assert.deepEqual(s.calls(), ['store quay.io', 'get quay.io']);
  // setCredentials for a host with a credHelpers entry goes to the helper, not the file
  assert.equal(await setCredentials('quay.io', { username: 'new', password: 'n' }, s.opts), 'credential helper: test');
  assert.equal(s.helperDb()['quay.io']!.Username, 'new');
  // namespaced keys cannot go to a helper
  await assert.rejects(
    setCredentials('quay.io/ns', { username: 'x', password: 'y' }, { ...s.opts, credentialHelpers: ['test'] }),
    expectError('INVALID_ARGUMENT'),
  );
  // "<token>" user means an identity token
  await helperStore('test', 'token.example.com', { username: '<token>', secret: 'refresh' }, { env: s.env });
  assert.deepEqual(await getCredentials('token.example.com/x', { ...s.opts, credentialHelpers: ['test'] }), { identityToken: 'refresh' });
});

// config.go getCredentialsWithHomeDir: registries.conf credential-helpers, in order; errors reported only if nothing found.
test('registries.conf credential-helpers order and error aggregation', async () => {
  const s = sandbox();
  s.write('run/containers/auth.json', { auths: { 'quay.io': entry('file', 'f') } });
  await helperStore('test', 'quay.io', { username: 'helper', secret: 'h' }, { env: s.env });
  assert.equal(
    ((await getCredentials('quay.io', { ...s.opts, credentialHelpers: ['test', 'containers-auth.json'] })) as { username: string })
      .username,
    'helper',
  );
  assert.equal(
    ((await getCredentials('quay.io', { ...s.opts, credentialHelpers: ['containers-auth.json', 'test'] })) as { username: string })
      .username,
    'file',
  );
  // a missing helper does not hide credentials found elsewhere…
  assert.equal(
    ((await getCredentials('quay.io', { ...s.opts, credentialHelpers: ['missing-berth', 'containers-auth.json'] })) as { username: string })
      .username,
    'file',
  );
  // …but is reported when nothing is found
  await assert.rejects(
    getCredentials('nothing.example.com', { ...s.opts, credentialHelpers: ['missing-berth', 'containers-auth.json'] }),
    (e: unknown) => isBerthError(e) && /docker-credential-missing-berth not found/.test((e as Error).message),
  );
  // external helper as the store
  assert.equal(
    await setCredentials('ghcr.io', { username: 'g', password: 'p' }, { ...s.opts, credentialHelpers: ['test'] }),
    'credential helper: test',
  );
  assert.deepEqual(await listAuthKeys({ ...s.opts, credentialHelpers: ['test', 'missing-berth'] }), ['quay.io', 'ghcr.io']);
  assert.equal(await removeCredentials('ghcr.io', { ...s.opts, credentialHelpers: ['test'] }), true);
  await removeAllCredentials({ ...s.opts, credentialHelpers: ['test', 'missing-berth'] });
  assert.deepEqual(s.helperDb(), {});
});
