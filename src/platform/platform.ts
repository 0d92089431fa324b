import { BerthError, subjectError } from '../errors.js';
import { MT, type Descriptor, type Platform } from '../media/types.js';

const ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** This machine's platform in OCI terms (Go GOOS/GOARCH names). */
export function hostPlatform(): Platform {
  const architecture = ARCH[process.arch] ?? process.arch;
  const p: Platform = { os: process.platform === 'win32' ? 'windows' : process.platform, architecture };
  if (architecture === 'arm64') p.variant = 'v8';
  return p;
}

export interface PlatformChoice {
  os?: string;
  arch?: string;
  variant?: string;
}

/** Parse "--platform os/arch[/variant]". */
export function parsePlatform(s: string): PlatformChoice {
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new BerthError('INVALID_ARGUMENT', `invalid platform ${JSON.stringify(s)}: expected OS/ARCH[/VARIANT], e.g. linux/amd64`);
  }
  return { os: parts[0], arch: normalizeArch(parts[1]!), variant: parts[2] };
}

function normalizeArch(a: string): string {
  const map: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', i386: '386', armhf: 'arm', armel: 'arm' };
  return map[a] ?? a;
}

/** Effective wanted platform: explicit choice overlaid on the host's. */
export function wantedPlatform(choice: PlatformChoice = {}): Platform {
  const host = hostPlatform();
  const p: Platform = { os: choice.os ?? host.os, architecture: choice.arch ?? host.architecture };
  const variant = choice.variant ?? (choice.arch === undefined || choice.arch === host.architecture ? host.variant : undefined);
  if (variant) p.variant = variant;
  return p;
}

function variantMatches(want: Platform, have: Platform): boolean {
  if (!want.variant) return true;
  if (!have.variant) return want.architecture === 'arm64' ? want.variant === 'v8' : false;
  return want.variant === have.variant;
}

/**
 * Choose the index entry for `want`: exact os/arch/variant first, then an entry without a
 * variant; in an OCI index (`listMediaType`), else the first entry without a platform, as
 * containers/image chooses. Attestation manifests (platform unknown/unknown) never match.
 * None: NO_MATCHING_PLATFORM, "WHAT: REASON" in containers/image's words (`data.reason`).
 */
export function choosePlatform(manifests: Descriptor[], want: Platform, what: string, listMediaType?: string): Descriptor {
  const candidates = manifests.filter((m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture);
  const exact = candidates.find(
    (m) =>
      variantMatches(want, m.platform!) &&
      (!want.variant || m.platform!.variant === want.variant || (!m.platform!.variant && want.variant === 'v8')),
  );
  const ociIndex = listMediaType === MT.OCIIndex;
  const chosen =
    exact ?? candidates.find((m) => variantMatches(want, m.platform!)) ?? (ociIndex ? manifests.find((m) => !m.platform) : undefined);
  if (!chosen) {
    const avail = manifests
      .filter((m) => m.platform && m.platform.os !== 'unknown')
      .map((m) => [m.platform!.os, m.platform!.architecture, m.platform!.variant].filter(Boolean).join('/'));
    const reason = `no image found in ${ociIndex ? 'image index' : 'manifest list'} for architecture ${want.architecture}, variant ${JSON.stringify(want.variant ?? '')}, OS ${want.os}`;
    throw subjectError('NO_MATCHING_PLATFORM', what, reason, {
      hint: avail.length ? `available: ${avail.join(', ')}; choose one with --platform` : undefined,
    });
  }
  return chosen;
}

export function formatPlatform(p: { os: string; architecture: string; variant?: string }): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** containerd's normal form: arm64's "v8" and amd64's "v1" are the default variants (no variant). */
function normalForm(p: { os: string; architecture: string; variant?: string }): { os: string; architecture: string; variant?: string } {
  const arch = normalizeArch(p.architecture);
  const variant =
    (arch === 'arm64' && ['8', 'v8', 'v8.0'].includes(p.variant ?? '')) || (arch === 'amd64' && p.variant === 'v1')
      ? undefined
      : p.variant || undefined;
  return { os: p.os, architecture: arch, ...(variant ? { variant } : {}) };
}

/**
 * libimage's check after a pull: podman's words when the image's platform is not the one
 * asked for (or the host's), e.g. "image platform (linux/amd64) does not match the expected
 * platform (linux/arm64)"; undefined when it matches (a wanted platform without variant
 * matches any variant).
 */
export function platformMismatch(
  have: { os?: string; architecture?: string; variant?: string },
  choice: PlatformChoice = {},
): string | undefined {
  const want = normalForm(wantedPlatform(choice));
  if (choice.variant === undefined) delete want.variant;
  const got = normalForm({ os: have.os ?? '', architecture: have.architecture ?? '', variant: have.variant });
  if (got.os === want.os && got.architecture === want.architecture && (!want.variant || want.variant === got.variant)) return undefined;
  return `image platform (${formatPlatform(got)}) does not match the expected platform (${formatPlatform(want)})`;
}
