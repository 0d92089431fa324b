/** The "version" file of a dir: image: "Directory Transport Version: MAJOR.MINOR\n". */
const PREFIX = 'Directory Transport Version: ';

export interface DirVersion {
  major: number;
  minor: number;
}

/** 1.1: sha256 only; 1.2: other digest algorithms used in file names. */
export const DIR_VERSION_1_1: DirVersion = { major: 1, minor: 1 };
export const DIR_VERSION_1_2: DirVersion = { major: 1, minor: 2 };
export const DIR_MAX_VERSION = DIR_VERSION_1_2;

export function formatDirVersion(v: DirVersion): string {
  return `${PREFIX}${v.major}.${v.minor}\n`;
}

/** Parse exactly the canonical form; undefined when the content is anything else. */
export function parseDirVersion(s: string): DirVersion | undefined {
  const m = /^Directory Transport Version: (0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\n$/.exec(s);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

export function dirVersionGreater(a: DirVersion, b: DirVersion): boolean {
  return a.major !== b.major ? a.major > b.major : a.minor > b.minor;
}
