import { loadRegistriesConf } from '../config/registries.js';
import { registryAccess, type RegistryAccessOptions } from '../config/registry-access.js';
import type { DockerRef, DockerTransportOptions } from '../transports/docker/index.js';

export { parseCreds, type RegistryAccessOptions } from '../config/registry-access.js';

/** Transport options for one registry reference (see config/registry-access.ts). */
export function dockerAccess(ref: DockerRef, o: RegistryAccessOptions = {}): DockerTransportOptions {
  return registryAccess(ref.registry, o, o.registriesConf ?? loadRegistriesConf());
}
