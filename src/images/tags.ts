import { BerthError, abortable } from '../errors.js';
import { parseNormalizedReference, repositoryName } from '../reference/reference.js';
import { buildContext } from '../config/context.js';
import type { RegistryAccessOptions } from './registry-access.js';

/** Every tag of a repository ("[docker://]registry/repo"), following Link pagination. */
export async function listRepositoryTags(repo: string, opts: RegistryAccessOptions = {}): Promise<{ name: string; tags: string[] }> {
  return abortable(opts.signal, () => listRepositoryTagsNow(repo, opts));
}

async function listRepositoryTagsNow(repo: string, opts: RegistryAccessOptions = {}): Promise<{ name: string; tags: string[] }> {
  const plain = repo.startsWith('docker://') ? repo.slice(9) : repo;
  const ref = parseNormalizedReference(plain);
  if (ref.tag || ref.digest) throw new BerthError('INVALID_ARGUMENT', `${repo}: give a repository without a tag or digest`);
  const { parseDockerRef, listTags } = await import('../transports/docker/index.js');
  const dref = parseDockerRef(`//${repositoryName(ref)}`);
  return { name: repositoryName(ref), tags: await listTags(dref, buildContext({ registry: opts }).registry(dref.registry, 'source')) };
}
