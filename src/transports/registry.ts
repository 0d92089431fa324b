/**
 * The transport registry: the one place that answers "which transport does this name mean".
 * "transport:rest" becomes an ImageReference (no I/O) whose newSource/newDestination open it
 * with the operation's context.
 */
import { BerthError } from '../errors.js';
import type { ImageReference, TransportName } from './types.js';
import { parseDockerRef } from './docker/reference.js';
import { parseDockerArchiveRef } from './docker-archive/reader.js';
import { parseOciArchiveRef } from './oci-archive/ref.js';
import { parseOciRef } from './oci/ref.js';
import { parseDirRef } from './dir/ref.js';
import { parseStorageRef } from './local/ref.js';

export interface Transport {
  readonly name: TransportName;
  /** Parse what follows "NAME:"; throws INVALID_REFERENCE for a malformed location. */
  parse(location: string): ImageReference;
}

const ALL: readonly Transport[] = [
  { name: 'docker', parse: parseDockerRef },
  { name: 'docker-archive', parse: parseDockerArchiveRef },
  { name: 'oci-archive', parse: parseOciArchiveRef },
  { name: 'oci', parse: parseOciRef },
  { name: 'dir', parse: parseDirRef },
  { name: 'containers-storage', parse: parseStorageRef },
];

/** Names of the known transports, in the order messages list them. */
export const TRANSPORTS = ALL.map((t) => t.name) as readonly TransportName[];

/** The transport a "transport:rest" name starts with, or undefined (a plain image name, say). */
export function transportOf(name: string): Transport | undefined {
  const i = name.indexOf(':');
  return i > 0 ? ALL.find((t) => t.name === name.slice(0, i)) : undefined;
}

/** Split "transport:rest"; anything else is an error naming the known transports. */
export function splitTransport(name: string): { transport: TransportName; rest: string } {
  const t = transportOf(name);
  if (!t) {
    throw new BerthError(
      'INVALID_REFERENCE',
      `invalid image name ${JSON.stringify(name.length > 100 ? name.slice(0, 97) + '...' : name)}: expected TRANSPORT:LOCATION`,
      { hint: `transports: ${TRANSPORTS.join(', ')}` },
    );
  }
  return { transport: t.name, rest: name.slice(t.name.length + 1) };
}

/** Parse "transport:rest" into a reference of that transport. */
export function parseImageName(name: string): ImageReference {
  const { transport, rest } = splitTransport(name);
  return ALL.find((t) => t.name === transport)!.parse(rest);
}
