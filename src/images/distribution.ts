/**
 * What a registry says about an image without pulling it (Docker's GET /distribution/NAME/json):
 * the descriptor of its top manifest (or index) and the platforms it offers — the index's
 * entries, or the config's platform for a single manifest.
 */
import { abortable } from '../errors.js';
import { digestOf, type Digest } from '../digest/digest.js';
import { MAX_CONFIG_SIZE, type Platform } from '../media/types.js';
import { parseImageConfig, parseManifestDocument } from '../media/validate.js';
import { readAll } from '../util/streams.js';
import { parseImageName } from '../transports/registry.js';
import { imageContext } from './context.js';
import type { RegistryAccessOptions } from './registry-access.js';

export interface DistributionInfo {
  descriptor: { mediaType: string; digest: Digest; size: number };
  platforms: Platform[];
}

/** The manifest descriptor and platforms of a registry image ("[docker://]registry/repo[:tag|@digest]"). */
export async function inspectDistribution(name: string, opts: RegistryAccessOptions = {}): Promise<DistributionInfo> {
  return abortable(opts.signal, async () => {
    const full = name.startsWith('docker://') ? name : `docker://${name}`;
    const src = await parseImageName(full).newSource(imageContext({ registry: opts, ...(opts.signal ? { signal: opts.signal } : {}) }));
    try {
      const top = await src.getManifest();
      const doc = parseManifestDocument(top.bytes, top.mediaType, `manifest of ${name}`);
      const descriptor = { mediaType: doc.mediaType, digest: digestOf(top.bytes), size: top.bytes.length };
      let platforms: Platform[] = [];
      if (doc.kind === 'index') platforms = doc.index.manifests.flatMap((m) => (m.platform ? [m.platform] : []));
      else if (doc.kind === 'manifest') {
        const { stream } = await src.getBlob(doc.manifest.config);
        const cfg = parseImageConfig(await readAll(stream, MAX_CONFIG_SIZE, `config of ${name}`), `config of ${name}`);
        const p: Platform = { architecture: cfg.architecture, os: cfg.os };
        if (cfg.variant) p.variant = cfg.variant;
        if (cfg['os.version']) p['os.version'] = cfg['os.version'];
        platforms = [p];
      } else {
        const raw = doc.raw as { architecture?: unknown };
        platforms = [{ architecture: typeof raw.architecture === 'string' ? raw.architecture : '', os: 'linux' }];
      }
      return { descriptor, platforms };
    } finally {
      await src.close();
    }
  });
}
