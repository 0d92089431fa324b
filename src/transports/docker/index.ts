/** The docker:// transport: registry client, source, destination, tag listing. */
import { clientFor, type DockerTransportOptions } from './options.js';
import type { DockerRef } from './reference.js';

export * from './reference.js';
export * from './client.js';
export * from './source.js';
export * from './destination.js';
export * from './options.js';
export { parseWWWAuthenticate, parseScope, formatScope, type AuthChallenge, type Scope } from './auth-challenge.js';
export { parseContentRange } from './blob-stream.js';
export { parseRetryAfter, isRetryableStatus, isRetryableError } from './retry.js';
export type { BearerToken } from './token.js';

export interface ListTagsOptions extends DockerTransportOptions {
  /** Page size asked for with ?n= (the registry may use its own). */
  pageSize?: number;
}

/** The repositories of ref's registry (its catalog), at most `max` (the repository of ref is ignored). */
export async function listCatalog(ref: DockerRef, opts: ListTagsOptions & { max?: number } = {}): Promise<string[]> {
  const { client, owned } = await clientFor(ref, opts, ['pull']);
  try {
    return await client.catalog({ pageSize: opts.pageSize, max: opts.max });
  } finally {
    if (owned) await client.close();
  }
}

/** All tags of ref's repository (the tag/digest of ref are ignored). */
export async function listTags(ref: DockerRef, opts: ListTagsOptions = {}): Promise<string[]> {
  const { client, owned } = await clientFor(ref, opts, ['pull']);
  try {
    return await client.listTags(ref.repository, { pageSize: opts.pageSize });
  } finally {
    if (owned) await client.close();
  }
}
