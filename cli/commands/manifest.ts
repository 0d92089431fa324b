import {
  BerthError,
  addToManifestList,
  annotateManifestList,
  createManifestList,
  inspectLocalManifestList,
  inspectRemoteManifest,
  manifestListExists,
  pushManifestList,
  removeFromManifestList,
  removeManifestLists,
  type InstanceEdits,
  type Store,
} from '../../src/index.js';
import { openStore, logProgress, manifestFormat } from '../common.js';
import { checkAuthFile, lightRuntime, registryAccess } from '../registry-flags.js';
import type { CommandDef } from '../command-table.js';
import type { FlagValue, Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

/** --annotation K=V (repeatable) as a map; a value-less entry is podman's error. */
function annotations(v: FlagValue, create = false): Record<string, string> | undefined {
  const list = (v as string[] | undefined) ?? [];
  if (list.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const a of list) {
    const i = a.indexOf('=');
    if (i < 0)
      throw new BerthError(
        'INVALID_ARGUMENT',
        create
          ? `expected --annotation ${JSON.stringify(a)} to be in key=value format`
          : `no value given for annotation ${JSON.stringify(a)}`,
      );
    out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

/** A comma-separated, repeatable list flag (pflag's stringSlice). */
function slice(v: FlagValue): string[] | undefined {
  const list = (v as string[] | undefined) ?? [];
  return list.length ? list.flatMap((x) => x.split(',')).filter((x) => x !== '') : undefined;
}

function edits(o: Parsed['opts']): InstanceEdits {
  return {
    annotations: annotations(o.annotation),
    arch: o.arch as string | undefined,
    os: o.os as string | undefined,
    variant: o.variant as string | undefined,
    osVersion: o.osVersion as string | undefined,
    features: slice(o.features),
    osFeatures: slice(o.osFeatures),
  };
}

export async function run(p: Parsed, g: GlobalOptions, def: CommandDef): Promise<number> {
  const o = p.opts;
  const sub = def.name.slice('manifest '.length);
  if (sub === 'exists') {
    const store = openStore(g, 'read');
    try {
      return manifestListExists(store, p.args[0]!) ? 0 : 1;
    } finally {
      store.close();
    }
  }
  if (sub === 'inspect') {
    const store = openStore(g, 'read');
    let local: string | undefined;
    try {
      local = inspectLocalManifestList(store, p.args[0]!);
    } finally {
      store.close();
    }
    if (local === undefined) {
      lightRuntime();
      const tlsVerify = o.insecure ? false : (o.tlsVerify as boolean | undefined);
      local = await inspectRemoteManifest(p.args[0]!, { registry: { tlsVerify, authfile: o.authfile as string | undefined } });
    }
    process.stdout.write(`${local}\n`);
    return 0;
  }
  let store: Store | undefined;
  try {
    store = openStore(g);
    switch (sub) {
      case 'create': {
        const [list, ...images] = p.args as [string, ...string[]];
        const id = createManifestList(store, list, { amend: !!o.amend, annotations: annotations(o.annotation, true) });
        try {
          for (const image of images) {
            lightRuntime();
            await addToManifestList(store, id, image, {
              all: !!o.all,
              context: { registry: { tlsVerify: o.tlsVerify as boolean | undefined } },
            });
          }
        } catch (e) {
          // a failed create leaves no list behind (podman 4.3 keeps the empty list, whose name
          // then refuses the next attempt); a list amended keeps what was added before
          if (!o.amend) removeManifestLists(store, [id]);
          throw e;
        }
        process.stdout.write(`${id}\n`);
        return 0;
      }
      case 'add': {
        lightRuntime();
        checkAuthFile(o, 'checking authfile: ');
        const [list, ...images] = p.args as [string, ...string[]];
        let id = '';
        for (const image of images) {
          ({ id } = await addToManifestList(store, list, image, { ...edits(o), all: !!o.all, context: { registry: registryAccess(o) } }));
        }
        process.stdout.write(`${id}\n`);
        return 0;
      }
      case 'annotate': {
        const [list, digest] = p.args as [string, string | undefined];
        process.stdout.write(`${annotateManifestList(store, list, digest, { ...edits(o), index: !!o.index })}\n`);
        return 0;
      }
      case 'remove': {
        const [list, digest] = p.args as [string, string];
        process.stdout.write(`${removeFromManifestList(store, list, digest)}\n`);
        return 0;
      }
      case 'rm': {
        const r = removeManifestLists(store, p.args, { ignore: !!o.ignore });
        for (const u of r.untagged) process.stdout.write(`Untagged: ${u}\n`);
        for (const d of r.deleted) process.stdout.write(`Deleted: ${d}\n`);
        if (r.errors.length === 0) return 0;
        for (const e of r.errors.slice(0, -1)) process.stderr.write(`Error: ${e.message}\n`);
        const last = r.errors[r.errors.length - 1]!;
        // podman exits 1 when a list is missing, 125 for other errors
        if (last.code === 'IMAGE_NOT_FOUND') {
          process.stderr.write(`Error: ${last.message}\n`);
          return 1;
        }
        throw last;
      }
      case 'push': {
        lightRuntime();
        checkAuthFile(o, 'checking authfile: ');
        const [list, dest] = p.args as [string, string | undefined];
        const r = await pushManifestList(store, list, dest, {
          context: { registry: registryAccess(o) },
          all: o.all !== false,
          format: manifestFormat(o.format as string | undefined),
          rm: !!o.rm,
          digestfile: o.digestfile as string | undefined,
          onProgress: logProgress(!!o.quiet),
        });
        process.stdout.write(`${r.digest}\n`);
        return 0;
      }
    }
    throw new BerthError('INTERNAL', `unknown manifest command ${sub}`);
  } finally {
    store?.close();
  }
}
