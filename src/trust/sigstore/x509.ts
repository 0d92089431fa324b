/**
 * Certificate checks for sigstore signatures that carry a certificate (Fulcio-issued, or from a
 * private PKI): the chain from the leaf through the given intermediates to one of the trusted
 * roots (signatures, issuer names, validity at the relevant time, CA flags, the code-signing
 * extended key usage), the subject's e-mail addresses and host names, and Fulcio's OIDC issuer
 * extension (v1: the raw string; v2: a DER UTF8String). Node's X509Certificate does the
 * signature and name checks; the few bytes it does not expose (extensions by OID) are read with
 * a minimal DER reader.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { pemDecodeAll } from './keys.js';

const OID_CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
const OID_ANY_EKU = '2.5.29.37.0';
export const OID_FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
export const OID_FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

export class CertificateError extends Error {}

interface Tlv {
  tag: number;
  /** content bytes */
  value: Buffer;
  /** offset just past this element */
  end: number;
}

function readTlv(buf: Buffer, pos: number): Tlv {
  if (pos + 2 > buf.length) throw new CertificateError('truncated DER');
  const tag = buf[pos]!;
  let len = buf[pos + 1]!;
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) throw new CertificateError('invalid DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  if (p + len > buf.length) throw new CertificateError('truncated DER');
  return { tag, value: buf.subarray(p, p + len), end: p + len };
}

function children(value: Buffer): Tlv[] {
  const out: Tlv[] = [];
  for (let p = 0; p < value.length;) {
    const t = readTlv(value, p);
    out.push(t);
    p = t.end;
  }
  return out;
}

function decodeOid(b: Buffer): string {
  const parts: number[] = [];
  let v = 0;
  for (const byte of b) {
    v = v * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const a = first < 80 ? Math.floor(first / 40) : 2;
  return [a, first - 40 * a, ...parts].join('.');
}

/** The certificate's extensions: OID -> extnValue content bytes (duplicates are an error, as in Go). */
export function certificateExtensions(cert: X509Certificate): Map<string, Buffer> {
  const certSeq = readTlv(cert.raw, 0);
  const tbs = children(certSeq.value)[0];
  if (!tbs) throw new CertificateError('no tbsCertificate');
  const out = new Map<string, Buffer>();
  for (const field of children(tbs.value)) {
    if (field.tag !== 0xa3) continue; // [3] EXPLICIT Extensions
    const exts = readTlv(field.value, 0);
    for (const ext of children(exts.value)) {
      const parts = children(ext.value);
      const oid = decodeOid(parts[0]!.value);
      const octets = parts[parts.length - 1]!;
      if (octets.tag !== 0x04) throw new CertificateError('invalid extension encoding');
      if (out.has(oid)) throw new CertificateError(`duplicate extension ${oid}`);
      out.set(oid, octets.value);
    }
  }
  return out;
}

/** Every certificate in a PEM text. */
export function parseCertificates(pem: string | Buffer, what: string): X509Certificate[] {
  const blocks = pemDecodeAll(pem.toString()).filter((b) => b.type === 'CERTIFICATE');
  try {
    return blocks.map((b) => new X509Certificate(b.der));
  } catch (e) {
    throw new CertificateError(`${what}: ${(e as Error).message}`);
  }
}

function validAt(c: X509Certificate, t: Date): boolean {
  const from = Date.parse(c.validFrom);
  const to = Date.parse(c.validTo);
  return !(Number.isNaN(from) || Number.isNaN(to)) && t.getTime() >= from && t.getTime() <= to;
}

function allowsCodeSigning(c: X509Certificate): boolean {
  const eku = c.keyUsage; // extended key usage OIDs; undefined when the extension is absent
  return eku === undefined || eku.includes(OID_CODE_SIGNING) || eku.includes(OID_ANY_EKU);
}

function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

/**
 * Verify that `leaf` chains to one of `roots` through `intermediates` at time `at`, with the
 * code-signing usage allowed along the whole chain (Go's x509 Verify with KeyUsages
 * [CodeSigning], as containers/image calls it). Throws CertificateError saying why not.
 */
export function verifyChain(leaf: X509Certificate, intermediates: X509Certificate[], roots: X509Certificate[], at: Date): void {
  if (roots.length === 0) throw new CertificateError('no trusted root certificates');
  if (!validAt(leaf, at))
    throw new CertificateError(
      `certificate has expired or is not yet valid: valid from ${leaf.validFrom} to ${leaf.validTo}, checked at ${at.toISOString()}`,
    );
  const lk = leaf.keyUsage;
  if (lk !== undefined && !lk.includes(OID_CODE_SIGNING) && !lk.includes(OID_ANY_EKU))
    throw new CertificateError('certificate specifies an incompatible key usage');
  const tried = new Set<X509Certificate>();
  const walk = (cert: X509Certificate, depth: number): boolean => {
    if (depth > 10) return false;
    for (const root of roots) if (issuedBy(cert, root) && validAt(root, at) && allowsCodeSigning(root)) return true;
    for (const mid of intermediates) {
      if (tried.has(mid) || !mid.ca || !validAt(mid, at) || !allowsCodeSigning(mid) || !issuedBy(cert, mid)) continue;
      tried.add(mid);
      if (walk(mid, depth + 1)) return true;
      tried.delete(mid);
    }
    return false;
  };
  if (roots.some((r) => r.fingerprint256 === leaf.fingerprint256 && issuedBy(leaf, r))) return;
  if (!walk(leaf, 0)) throw new CertificateError('x509: certificate signed by unknown authority');
}

/** The subject alternative name entries of one kind ("email", "DNS", "URI"). */
export function sanValues(cert: X509Certificate, kind: string): string[] {
  const san = cert.subjectAltName;
  if (!san) return [];
  const out: string[] = [];
  // Node renders entries as `kind:value` separated by ", "; values with special characters are JSON-quoted.
  const re = /(?:^|, )([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (let m = re.exec(san); m !== null; m = re.exec(san)) {
    if (m[1] !== kind) continue;
    const v = m[2]!;
    out.push(v.startsWith('"') ? (JSON.parse(v) as string) : v);
  }
  return out;
}

/** The OIDC issuer Fulcio recorded (v1 and/or v2 extension; inconsistent values are an error). */
export function fulcioIssuer(cert: X509Certificate): string {
  const ext = certificateExtensions(cert);
  const v1 = ext.get(OID_FULCIO_ISSUER_V1);
  const v2raw = ext.get(OID_FULCIO_ISSUER_V2);
  let v2: string | undefined;
  if (v2raw !== undefined) {
    const t = readTlv(v2raw, 0);
    if (t.tag !== 0x0c) throw new CertificateError('invalid ASN.1 in OIDC issuer v2 extension');
    if (t.end !== v2raw.length) throw new CertificateError('invalid ASN.1 in OIDC issuer v2 extension, trailing data');
    v2 = t.value.toString('utf8');
  }
  const s1 = v1?.toString('utf8');
  if (s1 !== undefined && v2 !== undefined && s1 !== v2)
    throw new CertificateError(`inconsistent OIDC issuer extension values: v1 ${JSON.stringify(s1)}, v2 ${JSON.stringify(v2)}`);
  const issuer = s1 ?? v2;
  if (issuer === undefined) throw new CertificateError('Fulcio certificate is missing the issuer extension');
  return issuer;
}

export interface CertificateTrust {
  roots: X509Certificate[];
  /** Trusted intermediates from the policy (pki.caIntermediates*). */
  intermediates?: X509Certificate[];
}

/**
 * The leaf certificate of a signature (exactly one in `certPem`) verified against `trust` at
 * `at`, with the intermediates of the signature's chain annotation (all but its last entry,
 * the root, which must come from the policy). Returns the leaf.
 */
export function verifySignatureCertificate(
  certPem: string,
  chainPem: string | undefined,
  trust: CertificateTrust,
  at: Date,
): { leaf: X509Certificate; publicKey: KeyObject } {
  const leaves = parseCertificates(certPem, 'parsing leaf certificate');
  if (leaves.length === 0) throw new CertificateError('no certificate found in signature certificate data');
  if (leaves.length > 1) throw new CertificateError('unexpected multiple certificates present in signature certificate data');
  const leaf = leaves[0]!;
  const chain = chainPem ? parseCertificates(chainPem, 'loading certificate chain') : [];
  const intermediates = [...(trust.intermediates ?? []), ...chain.slice(0, -1)];
  verifyChain(leaf, intermediates, trust.roots, at);
  return { leaf, publicKey: leaf.publicKey };
}
