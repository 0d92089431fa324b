/**
 * certs.d (containers-certs.d(5)): per-registry CA certificates and client key pairs.
 * Lookup as containers/image `docker/docker_client.go` dockerCertDir, file handling as
 * `pkg/tlsclientconfig` SetupCertificates (semantics read there; code is berth's own).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BerthError } from '../errors.js';

export interface TlsMaterial {
  /** Extra CA certificates (PEM, from *.crt), to be trusted in addition to the system roots. */
  ca: Buffer[];
  /** Client certificate (PEM, *.cert) of the first pair, by file name. */
  cert?: Buffer;
  /** Its private key (PEM, *.key). */
  key?: Buffer;
  /** The directory the material came from (also set when it does not exist / is empty). */
  dir?: string;
}

export const DEFAULT_CERT_DIRS = ['/etc/containers/certs.d', '/etc/docker/certs.d'];

function certError(dir: string, what: string, hint?: string): BerthError {
  return new BerthError('CONFIG', `${dir}: ${what}`, { hint });
}

/**
 * The directory to read for host[:port] (the registry name as written in the reference: use
 * "docker.io", not registry-1.docker.io). --cert-dir replaces the lookup; otherwise the first
 * existing of ~/.config/containers/certs.d/HOST, /etc/containers/certs.d/HOST,
 * /etc/docker/certs.d/HOST. The port must match exactly (a dir "host" does not serve "host:5000").
 */
export function certDirFor(host: string, opts: { certDir?: string; home?: string; systemDirs?: string[] } = {}): string | undefined {
  if (opts.certDir) return opts.certDir;
  if (host === '' || host === '.' || host === '..' || /[/\\\0]/.test(host)) {
    throw new BerthError('INVALID_ARGUMENT', `invalid registry host ${JSON.stringify(host)} for certs.d lookup`);
  }
  const home = opts.home ?? (process.env.HOME || os.homedir());
  const roots = [path.join(home, '.config/containers/certs.d'), ...(opts.systemDirs ?? DEFAULT_CERT_DIRS)];
  for (const root of roots) {
    const dir = path.join(root, host);
    try {
      fs.statSync(dir);
      return dir;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM') continue;
      throw certError(dir, `cannot access certificate directory: ${(e as Error).message}`);
    }
  }
  return undefined;
}

/**
 * certs.d lookup for host[:port]: --cert-dir replaces the lookup; else
 * ~/.config/containers/certs.d/HOST, /etc/containers/certs.d/HOST, /etc/docker/certs.d/HOST —
 * first existing dir wins. *.crt = CAs, *.cert + *.key pairs by basename (a .cert without .key
 * or vice versa is an error). A missing or unreadable (permission) directory gives no material.
 *
 * berth: only the first client pair (by file name) is returned; c/image hands all pairs to Go's
 * TLS stack, which picks one per handshake. Pairs are checked to match (c/image fails at load too).
 */
export function loadTlsMaterial(host: string, opts: { certDir?: string; home?: string; systemDirs?: string[] } = {}): TlsMaterial {
  const dir = certDirFor(host, opts);
  const out: TlsMaterial = { ca: [] };
  if (dir === undefined) return out;
  out.dir = dir;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM') return out;
    if (code === 'ENOTDIR') throw certError(dir, 'is not a directory', '--cert-dir and certs.d/HOST must be directories');
    throw certError(dir, `cannot read certificate directory: ${(e as Error).message}`);
  }
  names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const has = new Set(names);
  const read = (name: string): Buffer | undefined => {
    try {
      return fs.readFileSync(path.join(dir, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // removed meanwhile
      throw certError(dir, `cannot read ${name}: ${(e as Error).message}`);
    }
  };
  for (const name of names) {
    if (name.endsWith('.crt')) {
      const data = read(name);
      if (data) out.ca.push(data);
    } else if (name.endsWith('.cert')) {
      const keyName = name.slice(0, -'.cert'.length) + '.key';
      if (!has.has(keyName)) {
        throw certError(
          dir,
          `missing key ${keyName} for client certificate ${name}`,
          'CA certificates must use the extension .crt; client certificates need a matching .key',
        );
      }
      if (out.cert !== undefined) continue;
      const cert = read(name);
      const key = read(keyName);
      if (!cert || !key) continue;
      checkPair(dir, name, keyName, cert, key);
      out.cert = cert;
      out.key = key;
    } else if (name.endsWith('.key')) {
      const certName = name.slice(0, -'.key'.length) + '.cert';
      if (!has.has(certName)) throw certError(dir, `missing client certificate ${certName} for key ${name}`);
    }
  }
  return out;
}

function checkPair(dir: string, certName: string, keyName: string, cert: Buffer, key: Buffer): void {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw certError(dir, `client certificate ${certName} is not a valid PEM certificate`);
  }
  let pkey;
  try {
    pkey = createPrivateKey(key);
  } catch {
    throw certError(dir, `${keyName} is not a valid (unencrypted) PEM private key`);
  }
  if (!x509.checkPrivateKey(pkey)) throw certError(dir, `client certificate ${certName} does not match key ${keyName}`);
}
