/**
 * A throw-away GnuPG home with generated test keys (batch mode), for signing tests with the
 * real gpg: keys without a passphrase, one with a passphrase (and a file holding it), an
 * expired and a revoked one. cleanup() stops the home's gpg-agent and removes it.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runOk, run, type RunResult } from './tools.js';

export interface TestKey {
  uid: string;
  fingerprint: string;
  /** ASCII-armored public key. */
  publicArmored: string;
  /** Path of the binary public key (gpg --export). */
  publicPath: string;
}

export interface GpgHome {
  home: string;
  env: Record<string, string>;
  /** Run gpg with this home. */
  gpg(args: string[], input?: string | Buffer): Promise<RunResult>;
  /** A key without a passphrase. */
  genKey(name: string, opts?: { passphrase?: string; algo?: string; expire?: string; fakedTime?: string }): Promise<TestKey>;
  /** Revoke a key (imports its stored revocation certificate). */
  revoke(k: TestKey): Promise<void>;
  /** Sign `data` as `gpg --sign` would (faked time for keys made in the past). */
  sign(data: string | Buffer, k: TestKey, opts?: { fakedTime?: string; compress?: boolean }): Promise<Buffer>;
  cleanup(): Promise<void>;
}

export async function gpgHome(): Promise<GpgHome> {
  const home = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-gpg-'));
  await fsp.chmod(home, 0o700);
  const env = { GNUPGHOME: home };
  const gpg = (args: string[], input?: string | Buffer) => run('gpg', ['--batch', ...args], { env, input, timeoutMs: 60_000 });
  const h: GpgHome = {
    home,
    env,
    gpg,
    async genKey(name, o = {}) {
      const uid = `${name} <${name.toLowerCase().replace(/\W+/g, '-')}@example.com>`;
      const pre = o.fakedTime ? ['--faked-system-time', o.fakedTime] : [];
      const r = await gpg([
        ...pre,
        '--passphrase',
        o.passphrase ?? '',
        '--pinentry-mode',
        'loopback',
        '--quick-gen-key',
        uid,
        o.algo ?? 'ed25519',
        'sign',
        o.expire ?? 'never',
      ]);
      if (r.code !== 0) throw new Error(`gpg --quick-gen-key failed: ${r.stderr}`);
      const list = await runOk('gpg', ['--batch', '--with-colons', '--list-keys', uid], { env });
      const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(list.stdout)![1]!;
      const publicArmored = (await runOk('gpg', ['--batch', '--armor', '--export', fingerprint], { env })).stdout;
      const publicPath = path.join(home, `${fingerprint}.pub.gpg`);
      await fsp.writeFile(publicPath, (await runOk('gpg', ['--batch', '--export', fingerprint], { env })).stdoutBuf);
      return { uid, fingerprint, publicArmored, publicPath };
    },
    async revoke(k) {
      const cert = await fsp.readFile(path.join(home, 'openpgp-revocs.d', `${k.fingerprint}.rev`), 'utf8');
      // the stored certificate is defused with a leading ":" on its armor line
      const r = await gpg(['--import'], cert.replace(/^:-----BEGIN/m, '-----BEGIN'));
      if (r.code !== 0) throw new Error(`revoking: ${r.stderr}`);
      await fsp.writeFile(k.publicPath, (await runOk('gpg', ['--batch', '--export', k.fingerprint], { env })).stdoutBuf);
      k.publicArmored = (await runOk('gpg', ['--batch', '--armor', '--export', k.fingerprint], { env })).stdout;
    },
    async sign(data, k, o = {}) {
      const pre = o.fakedTime ? ['--faked-system-time', o.fakedTime] : [];
      const z = o.compress === false ? ['-z', '0'] : [];
      const r = await run('gpg', ['--batch', ...pre, ...z, '--local-user', k.fingerprint, '--sign'], { env, input: data });
      if (r.code !== 0) throw new Error(`gpg --sign failed: ${r.stderr}`);
      return r.stdoutBuf;
    },
    async cleanup() {
      await run('gpgconf', ['--kill', 'gpg-agent'], { env }).catch(() => undefined);
      await fsp.rm(home, { recursive: true, force: true });
    },
  };
  return h;
}
