/** Docker API versions ("1.41"): parsing and comparing, for negotiation and version-dependent shapes. */

/** "1.41" -> comparable number pair; undefined when not X.Y. */
export function parseVersion(v: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Compare two API versions ("1.9" < "1.41"). */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a) ?? [0, 0];
  const y = parseVersion(b) ?? [0, 0];
  return x[0] - y[0] || x[1] - y[1];
}

/** True when the negotiated version is below `v` (for shapes that changed at `v`). */
export function versionBelow(apiVersion: string, v: string): boolean {
  return compareVersions(apiVersion, v) < 0;
}
