/**
 * Making simple signatures with the `gpg` program, as podman and skopeo do through gpgme: the
 * key is found in the user's keyring ($GNUPGHOME, else ~/.gnupg, or `homedir`) by fingerprint,
 * key ID or user ID, and the gpg agent holds the secret key. The bytes are what `gpg --sign`
 * writes (a binary signed message carrying the payload), the format podman's `--sign-by` stores.
 */
import { spawn } from 'node:child_process';
import { BerthError } from '../../errors.js';
import { digestOf } from '../../digest/digest.js';
import type { Signature, Signer } from '../signature.js';
import { serializeSimpleSigningPayload } from './payload.js';
import { readInputFile } from './read-file.js';

export interface GpgSignerOptions {
  /** The signing key: a fingerprint (as podman's --sign-by), key ID or user ID. */
  keyId: string;
  /** A file whose first line is the key's passphrase (--sign-passphrase-file). */
  passphraseFile?: string;
  /** The GnuPG home directory; default $GNUPGHOME, else ~/.gnupg (gpg's own rule). */
  homedir?: string;
  /** Written to the payload's optional "creator". */
  creator?: string;
  /** The gpg program (default "gpg" from PATH). */
  gpg?: string;
}

/** The first line of a passphrase file, as containers/image (and gpg) read it. */
export function readPassphraseFile(p: string): string {
  const text = readInputFile(p, 'INVALID_ARGUMENT', (why) => `open ${p}: ${why}`).toString('utf8');
  const nl = text.indexOf('\n');
  return nl < 0 ? text : text.slice(0, nl);
}

interface GpgRun {
  stdout: Buffer;
  stderr: string;
  code: number | null;
}

function runGpg(bin: string, args: string[], input: Buffer, env: NodeJS.ProcessEnv, passphrase?: string): Promise<GpgRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: passphrase === undefined ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        new BerthError('SIGNING_FAILED', e.code === 'ENOENT' ? `initializing GPG: ${bin} not found` : `initializing GPG: ${e.message}`, {
          hint: e.code === 'ENOENT' ? 'install GnuPG (the gpg program) to sign images' : undefined,
        }),
      ),
    );
    child.on('close', (code) => resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), code }));
    // EPIPE when gpg exits early is reported through its exit status
    child.stdin!.on('error', () => {});
    child.stdin!.end(input);
    if (passphrase !== undefined) {
      const fd3 = child.stdio[3] as NodeJS.WritableStream & { on(ev: 'error', f: () => void): void };
      fd3.on('error', () => {});
      fd3.end(`${passphrase}\n`);
    }
  });
}

/** gpg's reason for a failed signing, in one line (podman's words where it has them). */
function signingFailure(keyId: string, stderr: string): BerthError {
  if (/No secret key|not found|unusable secret key/i.test(stderr) && !/Bad passphrase/i.test(stderr)) {
    return new BerthError('SIGNING_FAILED', `key ${JSON.stringify(keyId)} not found`, {
      hint: 'the key must be in the GnuPG keyring ($GNUPGHOME or ~/.gnupg) with its secret part',
    });
  }
  if (/Bad passphrase/i.test(stderr)) return new BerthError('SIGNING_FAILED', `signing with key ${JSON.stringify(keyId)}: bad passphrase`);
  if (/No pinentry|Inappropriate ioctl|cannot open '\/dev\/tty'|problem with the agent/i.test(stderr)) {
    return new BerthError('SIGNING_FAILED', `signing with key ${JSON.stringify(keyId)}: the key needs a passphrase`, {
      hint: 'pass --sign-passphrase-file FILE, or unlock the key in the gpg agent first',
    });
  }
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/^gpg: /, '').trim())
    .filter(Boolean);
  return new BerthError('SIGNING_FAILED', `signing with key ${JSON.stringify(keyId)}: ${lines[lines.length - 1] ?? 'gpg failed'}`);
}

/** Sign `payload` with gpg: the bytes of a binary signed message. */
export async function gpgSign(payload: Buffer, o: GpgSignerOptions, passphrase?: string): Promise<Buffer> {
  const env = { ...process.env };
  const args = ['--batch'];
  if (o.homedir !== undefined) args.push('--homedir', o.homedir);
  if (passphrase !== undefined) args.push('--pinentry-mode', 'loopback', '--passphrase-fd', '3');
  args.push('--local-user', o.keyId, '--sign');
  const r = await runGpg(o.gpg ?? 'gpg', args, payload, env, passphrase);
  if (r.code !== 0 || r.stdout.length === 0) throw signingFailure(o.keyId, r.stderr);
  return r.stdout;
}

/** The signature (payload + gpg signature) of `manifest` for `dockerReference`. */
export async function signSimple(manifest: Uint8Array, dockerReference: string, o: GpgSignerOptions, passphrase?: string): Promise<Buffer> {
  const payload = serializeSimpleSigningPayload({
    dockerManifestDigest: digestOf(manifest),
    dockerReference,
    creator: o.creator ?? 'berth',
    timestamp: Math.floor(Date.now() / 1000),
  });
  return gpgSign(payload, o, passphrase);
}

/**
 * A Signer for push, copy and `image sign`. The passphrase file is read now, so a missing file
 * fails before anything is copied.
 */
export function gpgSigner(o: GpgSignerOptions): Signer {
  if (!o.keyId) throw new BerthError('INVALID_ARGUMENT', 'please provide an identity');
  const passphrase = o.passphraseFile !== undefined ? readPassphraseFile(o.passphraseFile) : undefined;
  return {
    kind: 'simple',
    async sign(manifest: Buffer, dockerReference: string): Promise<Signature> {
      return { kind: 'simple', data: await signSimple(manifest, dockerReference, o, passphrase) };
    },
  };
}
