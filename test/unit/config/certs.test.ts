/**
 * certs.d discovery and loading: containers/image docker/docker_client.go dockerCertDir (lookup
 * order, first existing dir wins) and pkg/tlsclientconfig/tlsclientconfig.go SetupCertificates
 * (*.crt / *.cert / *.key handling; cf. tlsclientconfig_test.go TestSetupCertificates).
 * The key pair below is a throwaway self-signed P-256 pair generated for this test.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { certDirFor, loadTlsMaterial } from '../../../src/config/certs.js';
import { isBerthError } from '../../../src/errors.js';
import { expectError } from '../../helpers/expect-error.js';

const CERT = `-----BEGIN CERTIFICATE-----
MIIBjzCCATWgAwIBAgIUbbo1UtO8dtIH5KxGT1GyTStvxZowCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRYmVydGgtdGVzdC1jbGllbnQwIBcNMjYxMTI4MDQxNDIzWhgP
MjEyNjExMDQwNDE0MjNaMBwxGjAYBgNVBAMMEWJlcnRoLXRlc3QtY2xpZW50MFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQYtj5eIoc9cXbfnhbFYGBEXG2o0KaTsp
fHbpgBbD3gS90idKTk+bovqEeL/FtdLjRF9Dw3UOV4cdAKQYLjIeMqNTMFEwHQYD
VR0OBBYEFPz6Rtu/vhy6wAMK3rEaNkl28V9+MB8GA1UdIwQYMBaAFPz6Rtu/vhy6
wAMK3rEaNkl28V9+MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIg
UOLjDnVOL32rv6/YJIXsj4dxXjSkgQ6LI5rp1x4sZuoCIQDWS9hW5eUU7GrmdJZ6
5MBqIO24v1rYyA4YZLt3ox5UPg==
-----END CERTIFICATE-----
`;
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+jsXoT37YBBb2q2u
tkBYr28S932e4zePBUtXLLXKpLuhRANCAARBi2Pl4ihz1xdt+eFsVgYERcbajQpp
Oyl8dumAFsPeBL3SJ0pOT5ui+oR4v8W10uNEX0PDdQ5Xhx0ApBguMh4y
-----END PRIVATE KEY-----
`;
const OTHER_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgBPr/9TWKGli7/ghD
FJIpy+IHw+XmYC14Zzv+hxsormuhRANCAASVihSM9vzkHY/asxpCdXduePWmVjl2
V6QvUF5fZhvc8iZbeW2mOuDYnNBBEtyS2TpF4W278O3dCZMypwggXXGA
-----END PRIVATE KEY-----
`;

const roots: string[] = [];
after(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

function tree(files: Record<string, string>, dirs: string[] = []): { root: string; home: string; systemDirs: string[] } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-certs-'));
  roots.push(root);
  for (const d of dirs) fs.mkdirSync(path.join(root, d), { recursive: true });
  for (const [rel, c] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), c);
  }
  return {
    root,
    home: path.join(root, 'home'),
    systemDirs: [path.join(root, 'etc/containers/certs.d'), path.join(root, 'etc/docker/certs.d')],
  };
}

// docker_client.go dockerCertDir: user dir, then /etc/containers, then /etc/docker; first existing wins.
test('lookup order: first existing HOST dir wins, even if another has more files', () => {
  const t = tree(
    {
      'etc/containers/certs.d/reg.example.com/ca.crt': 'CA-CONTAINERS',
      'etc/docker/certs.d/reg.example.com/ca.crt': 'CA-DOCKER',
      'etc/docker/certs.d/docker-only.example.com:5000/ca.crt': 'CA-DOCKER-5000',
    },
    ['home/.config/containers/certs.d/user.example.com'],
  );
  const o = { home: t.home, systemDirs: t.systemDirs };
  assert.deepEqual(loadTlsMaterial('reg.example.com', o).ca.map(String), ['CA-CONTAINERS']);
  assert.equal(loadTlsMaterial('reg.example.com', o).dir, path.join(t.systemDirs[0]!, 'reg.example.com'));
  assert.deepEqual(loadTlsMaterial('docker-only.example.com:5000', o).ca.map(String), ['CA-DOCKER-5000']);
  // The port must match exactly.
  assert.deepEqual(loadTlsMaterial('docker-only.example.com', o), { ca: [] });
  // An existing but empty user dir hides the system dirs.
  const u = loadTlsMaterial('user.example.com', o);
  assert.deepEqual(u, { ca: [], dir: path.join(t.home, '.config/containers/certs.d/user.example.com') });
  assert.deepEqual(loadTlsMaterial('unknown.example.com', o), { ca: [] });
});

test('user dir takes precedence over system dirs', () => {
  const t = tree({
    'home/.config/containers/certs.d/reg.example.com/mine.crt': 'CA-USER',
    'etc/containers/certs.d/reg.example.com/ca.crt': 'CA-SYSTEM',
  });
  assert.deepEqual(loadTlsMaterial('reg.example.com', { home: t.home, systemDirs: t.systemDirs }).ca.map(String), ['CA-USER']);
});

// tlsclientconfig.go SetupCertificates: *.crt CAs, *.cert/*.key pairs by basename.
test('CAs and a client pair are loaded; --cert-dir replaces the lookup', () => {
  const t = tree({
    'certs/b.crt': 'CA-B',
    'certs/a.crt': 'CA-A',
    'certs/client.cert': CERT,
    'certs/client.key': KEY,
    'certs/README': 'ignored',
    'etc/containers/certs.d/reg.example.com/ca.crt': 'CA-SYSTEM',
  });
  const m = loadTlsMaterial('reg.example.com', { certDir: path.join(t.root, 'certs'), home: t.home, systemDirs: t.systemDirs });
  assert.deepEqual(m.ca.map(String), ['CA-A', 'CA-B']);
  assert.equal(String(m.cert), CERT);
  assert.equal(String(m.key), KEY);
  assert.equal(m.dir, path.join(t.root, 'certs'));
  assert.equal(certDirFor('reg.example.com', { certDir: '/explicit' }), '/explicit');
});

test('a .cert without .key, a .key without .cert, or a mismatched pair is a CONFIG error', () => {
  const cases: [Record<string, string>, string][] = [
    [{ 'd/client.cert': CERT }, 'missing key client.key for client certificate client.cert'],
    [{ 'd/client.key': KEY }, 'missing client certificate client.cert for key client.key'],
    [{ 'd/client.cert': CERT, 'd/client.key': OTHER_KEY }, 'client certificate client.cert does not match key client.key'],
    [{ 'd/client.cert': 'garbage', 'd/client.key': KEY }, 'not a valid PEM certificate'],
  ];
  for (const [files, msg] of cases) {
    const t = tree(files);
    assert.throws(
      () => loadTlsMaterial('x', { certDir: path.join(t.root, 'd') }),
      (e: unknown) => {
        assert.ok(isBerthError(e, 'CONFIG'), String(e));
        assert.ok((e as Error).message.startsWith(path.join(t.root, 'd') + ': '), (e as Error).message);
        assert.ok((e as Error).message.includes(msg), (e as Error).message);
        assert.ok(!(e as Error).message.includes('PRIVATE KEY'));
        return true;
      },
    );
  }
});

test('a missing --cert-dir gives no material; a host with path separators is refused', () => {
  assert.deepEqual(loadTlsMaterial('x', { certDir: '/nonexistent/berth-certs' }), { ca: [], dir: '/nonexistent/berth-certs' });
  for (const bad of ['../etc', 'a/b', '..', '']) {
    assert.throws(() => loadTlsMaterial(bad, { home: '/nonexistent', systemDirs: [] }), expectError('INVALID_ARGUMENT'));
  }
});
