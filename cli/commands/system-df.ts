/**
 * berth system df [-v] [--format] — podman's disk usage summary (TYPE TOTAL ACTIVE SIZE
 * RECLAIMABLE) for the store: images (blobs they reference, each counted once), containers
 * (the bytes of their root file systems; none runs, so all reclaimable), unreferenced
 * blobs (what gc frees) and partial downloads (kept to resume pulls). Sizes are the bytes of
 * the blob files, so the rows add up to the store's blobs/ and partials/.
 */
import { type DiskUsageSummary, diskUsage, repoAndTag } from '../../src/local.js';
import { humanDuration, humanSize, parseRFC3339 } from '../../src/go/index.js';
import { openStore } from '../open-store.js';
import { usageError } from '../common.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

/** go-units HumanSize (4 significant digits), as podman's df prints sizes. */
const size = (n: number) => humanSize(n, 4);

function summaryRow(type: string, s: DiskUsageSummary) {
  const percent = s.size > 0 ? Math.round((s.reclaimable / s.size) * 100) : 0;
  return {
    Type: type,
    Total: s.total,
    Active: s.active,
    RawSize: s.size,
    RawReclaimable: s.reclaimable,
    TotalCount: s.total,
    Size: size(s.size),
    Reclaimable: `${size(s.reclaimable)} (${percent}%)`,
  };
}

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const format = p.opts.format as string | undefined;
  const verbose = !!p.opts.verbose;
  if (format !== undefined && verbose) throw usageError('cannot combine --format and --verbose flags');
  const { renderOutput } = await import('../format/output.js');
  const store = openStore(g, 'read');
  let du;
  try {
    du = diskUsage(store);
  } finally {
    store.close();
  }
  if (!verbose) {
    const rows = [
      summaryRow('Images', du.imagesSummary),
      summaryRow('Containers', du.containers),
      summaryRow('Unreferenced blobs', du.unreferenced),
      summaryRow('Partial downloads', du.partials),
    ];
    process.stdout.write(
      renderOutput(rows, {
        format,
        name: 'df',
        rowType: '*system.dfSummary',
        defaultTemplate: '{{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}\n',
        headers: { Size: 'SIZE', Reclaimable: 'RECLAIMABLE' },
      }),
    );
    return 0;
  }
  const now = Date.now();
  // podman's df -v: "2 years", without "ago"
  const since = (t: string | null) => {
    const at = t ? parseRFC3339(t) : undefined;
    return at ? humanDuration(now - at.ms) : '';
  };
  const images = du.images.flatMap((i) => {
    const names = i.names.length ? i.names.map((n) => repoAndTag(n)) : [['<none>', '<none>']];
    return names.map(([repository, tag]) => ({
      Repository: repository,
      Tag: tag,
      ImageID: i.id.slice(0, 12),
      Created: since(i.created),
      Size: size(i.size),
      SharedSize: size(i.sharedSize),
      UniqueSize: size(i.uniqueSize),
      Containers: i.containers,
    }));
  });
  let out = 'Images space usage:\n\n';
  out += renderOutput(images, {
    defaultTemplate:
      '{{.Repository}}\t{{.Tag}}\t{{.ImageID}}\t{{.Created}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}\n',
    headers: { ImageID: 'IMAGE ID', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE' },
  });
  out += '\nContainers space usage:\n\n';
  out += renderOutput(
    [...du.containers.list]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((c) => ({
        ContainerID: c.id.slice(0, 12),
        Image: c.imageId.slice(0, 12),
        Command: c.command.join(' '),
        LocalVolumes: 0,
        Size: size(c.size),
        Created: since(c.created),
        Status: 'created',
        Names: c.name,
      })),
    {
      defaultTemplate: '{{.ContainerID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.Created}}\t{{.Status}}\t{{.Names}}\n',
      headers: { ContainerID: 'CONTAINER ID', LocalVolumes: 'LOCAL VOLUMES' },
    },
  );
  out += '\nPartial downloads space usage:\n\n';
  out += renderOutput(
    du.partials.list.map((x) => ({
      Digest: x.digest.slice(0, 19),
      Source: x.source,
      Size: size(x.bytes),
      Total: size(x.size),
      Updated: since(x.updated),
      Active: x.active,
    })),
    {
      defaultTemplate: '{{.Digest}}\t{{.Source}}\t{{.Size}}\t{{.Total}}\t{{.Updated}}\t{{.Active}}\n',
      headers: { Digest: 'BLOB', Size: 'SIZE', Total: 'OF', Updated: 'UPDATED', Active: 'ACTIVE' },
    },
  );
  process.stdout.write(out);
  return 0;
}
