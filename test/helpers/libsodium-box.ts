/**
 * An independent implementation of the encrypted sigstore key envelope, for interop tests:
 * scrypt from Python's hashlib and NaCl secretbox from the system libsodium (through ctypes).
 *   decrypt PEMFILE PASSFILE  -> hex of the decrypted private key (PKCS#8 DER)
 *   encrypt DERHEX PASSFILE   -> an "ENCRYPTED COSIGN PRIVATE KEY" PEM on stdout
 */
import * as fs from 'node:fs';
import { run, type RunResult } from './tools.js';

const SCRIPT = String.raw`
#   encrypt DERHEX PASSFILE         -> an "ENCRYPTED COSIGN PRIVATE KEY" PEM on stdout
import base64, ctypes, ctypes.util, hashlib, json, os, sys

lib = ctypes.util.find_library('sodium') or 'libsodium.so.23'
sodium = ctypes.CDLL(lib)
if sodium.sodium_init() < 0:
    sys.exit('sodium_init failed')

def passphrase(path):
    return open(path, 'rb').read().split(b'\n')[0]

def kdf(pw, salt, p):
    return hashlib.scrypt(pw, salt=salt, n=p['N'], r=p['r'], p=p['p'], maxmem=512 * 1024 * 1024, dklen=32)

if sys.argv[1] == 'decrypt':
    pem = open(sys.argv[2]).read().strip().splitlines()
    env = json.loads(base64.b64decode(''.join(pem[1:-1])))
    key = kdf(passphrase(sys.argv[3]), base64.b64decode(env['kdf']['salt']), env['kdf']['params'])
    nonce = base64.b64decode(env['cipher']['nonce'])
    c = base64.b64decode(env['ciphertext'])
    m = ctypes.create_string_buffer(len(c) - 16)
    if sodium.crypto_secretbox_open_easy(m, c, ctypes.c_ulonglong(len(c)), nonce, key) != 0:
        sys.exit('decryption failed')
    print(m.raw.hex())
else:
    der = bytes.fromhex(sys.argv[2])
    salt, nonce = os.urandom(32), os.urandom(24)
    params = {'N': 32768, 'r': 8, 'p': 1}
    key = kdf(passphrase(sys.argv[3]), salt, params)
    c = ctypes.create_string_buffer(len(der) + 16)
    sodium.crypto_secretbox_easy(c, der, ctypes.c_ulonglong(len(der)), nonce, key)
    env = {'kdf': {'name': 'scrypt', 'params': params, 'salt': base64.b64encode(salt).decode()},
           'cipher': {'name': 'nacl/secretbox', 'nonce': base64.b64encode(nonce).decode()},
           'ciphertext': base64.b64encode(c.raw).decode()}
    b = base64.b64encode(json.dumps(env).encode()).decode()
    print('-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----')
    for i in range(0, len(b), 64):
        print(b[i:i + 64])
    print('-----END ENCRYPTED COSIGN PRIVATE KEY-----')
`;

/** Whether python3 and libsodium are both present (else the interop test is skipped). */
export function haveLibsodium(): boolean {
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/lib/x86_64-linux-gnu'];
  return fs.existsSync('/usr/bin/python3') && dirs.some((d) => fs.existsSync(`${d}/libsodium.so.23`) || fs.existsSync(`${d}/libsodium.so`));
}

export function libsodiumBox(args: string[]): Promise<RunResult> {
  return run('python3', ['-c', SCRIPT, ...args]);
}
