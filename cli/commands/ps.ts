/**
 * berth ps / container ps|ls|list — podman ps. berth runs nothing: every container is
 * "Created", so without --all the listing is empty (the header only). Templates see podman's
 * fields (.ID .Image .ImageID .Command .CreatedAt .CreatedHuman .RunningFor .Status .State
 * .Names .Ports .Labels .Mounts .Networks .Pod .PodName .Restarts ...); --format json prints
 * podman's ListContainer JSON.
 */
import { BerthError } from '../../src/errors.js';
import { GoStruct, type GoTime, goJSON, goMap, humanSince, humanSize } from '../../src/go/index.js';
import { containerCreated, listContainers, type ContainerRow, type ContainerSize } from '../../src/local.js';
import { openStore } from '../open-store.js';
import { isJSONFormat } from '../format/json-format.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

/** Go's zero time as Unix seconds (podman's ExitedAt/StartedAt of a container never started). */
const ZERO_UNIX = -62135596800;

/** One row, with the fields podman's psReporter offers to templates. */
class PsReporter {
  readonly #c: ContainerRow;
  readonly #noTrunc: boolean;
  readonly #now: number;
  readonly #created: GoTime;
  readonly #size: ContainerSize | undefined;

  constructor(c: ContainerRow, created: GoTime, noTrunc: boolean, now: number, size?: ContainerSize) {
    this.#c = c;
    this.#size = size;
    this.#created = created;
    this.#noTrunc = noTrunc;
    this.#now = now;
  }

  get ID(): string {
    return this.#noTrunc ? this.#c.id : this.#c.id.slice(0, 12);
  }
  get Id(): string {
    return this.#c.id;
  }
  get Image(): string {
    return this.#c.imageName;
  }
  get ImageID(): string {
    return this.#noTrunc ? this.#c.imageId : this.#c.imageId.slice(0, 12);
  }
  get Command(): string {
    const cmd = this.#c.command.join(' ');
    return !this.#noTrunc && cmd.length > 17 ? `${cmd.slice(0, 17)}...` : cmd;
  }
  get Created(): GoTime {
    return this.#created;
  }
  get CreatedAt(): string {
    return this.#created.toString();
  }
  get CreatedHuman(): string {
    return humanSince(this.#created, this.#now);
  }
  get RunningFor(): string {
    return this.CreatedHuman;
  }
  get Status(): string {
    return 'Created';
  }
  get State(): string {
    return 'created';
  }
  get Names(): string {
    return this.#c.name;
  }
  get Ports(): string {
    return '';
  }
  /** "RW (virtual ROOTFS)" with --size; empty without it (podman logs that it needs --size). */
  get Size(): string {
    return this.#size ? `${humanSize(this.#size.rw)} (virtual ${humanSize(this.#size.rootFs)})` : '';
  }
  /** A Go map: `{{.Labels}}` prints "map[a:b c:]". */
  get Labels(): Map<string, string> {
    return new Map(Object.entries(this.#c.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  Label(name: string): string {
    return this.#c.labels[name] ?? '';
  }
  get Mounts(): string[] {
    return [];
  }
  get Networks(): string {
    return '';
  }
  get Pod(): string {
    return '';
  }
  get PodName(): string {
    return '';
  }
  get Restarts(): string {
    return '0';
  }
  get IsInfra(): boolean {
    return false;
  }
  get AutoRemove(): boolean {
    return false;
  }
  get Pid(): number {
    return 0;
  }
  get Exited(): boolean {
    return false;
  }
  get ExitCode(): number {
    return 0;
  }
  get ExitedAt(): number {
    return ZERO_UNIX;
  }
  get StartedAt(): number {
    return ZERO_UNIX;
  }

  /** podman's JSON for one container (ListContainer + Created as Unix seconds). */
  json(): GoStruct {
    const c = this.#c;
    return new GoStruct({
      AutoRemove: false,
      Command: c.command.length ? c.command : null,
      CreatedAt: this.CreatedHuman,
      Exited: false,
      ExitedAt: ZERO_UNIX,
      ExitCode: 0,
      Id: c.id,
      Image: c.imageName,
      ImageID: c.imageId,
      IsInfra: false,
      Labels: Object.keys(c.labels).length ? goMap(c.labels) : null,
      Mounts: [],
      Names: [c.name],
      Namespaces: new GoStruct({}),
      Networks: [],
      Pid: 0,
      Pod: '',
      PodName: '',
      Ports: null,
      Size: this.#size ? new GoStruct({ rootFsSize: this.#size.rootFs, rwSize: this.#size.rw }) : null,
      StartedAt: ZERO_UNIX,
      State: 'created',
      Status: 'Created',
      Created: this.#created.unix(),
    });
  }
}

/** The default table's columns: podman's, with SIZE (--size), POD ID and PODNAME (--pod) added. */
function defaultColumns(size: boolean, pod: boolean): { header: string[]; cells: (r: PsReporter) => string[] } {
  const header = ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'];
  if (size) header.push('SIZE');
  if (pod) header.push('POD ID', 'PODNAME');
  return {
    header,
    cells: (r) => [
      r.ID,
      r.Image,
      r.Command,
      r.CreatedHuman,
      r.Status,
      r.Ports,
      r.Names,
      ...(size ? [r.Size] : []),
      ...(pod ? [r.Pod, r.PodName] : []),
    ],
  };
}

/**
 * podman's --sort, ascending and stable (rows are listed oldest first): every berth container
 * is "Created", never ran and has no size of its own, so runningfor, size and status keep
 * that order.
 */
function sortContainers(list: ContainerRow[], key: string): ContainerRow[] {
  const by = (f: (c: ContainerRow) => string) => [...list].sort((a, b) => (f(a) < f(b) ? -1 : f(a) > f(b) ? 1 : 0));
  switch (key) {
    case 'command':
      return by((c) => c.command.join(' '));
    case 'id':
      return by((c) => c.id);
    case 'image':
      return by((c) => c.imageName);
    case 'names':
      return by((c) => c.name);
    default:
      return list; // created (the listing's own order), runningfor, size, status
  }
}

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const o = p.opts;
  const last = o.last as number;
  if (last >= 0 && o.latest === true) throw new BerthError('INVALID_ARGUMENT', 'last and latest are mutually exclusive');
  const noTrunc = o.noTrunc === true;
  const format = o.format as string | undefined;
  const store = openStore(g, 'read');
  const size = o.size === true;
  let rows: PsReporter[];
  try {
    const now = Date.now();
    let list = listContainers(store, { filters: o.filter as string[], now: new Date(now) });
    // without --all podman shows running containers only, and berth's never run;
    // --last/--latest select among all containers
    if (last >= 0) list = list.slice(Math.max(0, list.length - last));
    else if (o.latest === true) list = list.slice(-1);
    else if (o.all !== true) list = [];
    list = sortContainers(list, o.sort as string);
    const sizes = new Map<string, ContainerSize>();
    if (size && list.length) {
      // the tree comparison lives in the full library: loaded only for --size
      const { containerSize } = await import('../../src/index.js');
      for (const c of list) sizes.set(c.id, await containerSize(store, c.id));
    }
    rows = list.map((c) => new PsReporter(c, containerCreated(c), noTrunc, now, sizes.get(c.id)));
  } finally {
    store.close();
  }
  if (o.ns === true && !p.changed.has('format')) {
    // --ns: the namespaces of each container's process; berth's never ran, so it has none (PID 0, as podman's created ones)
    const { formatTable } = await import('../format/tabwriter.js');
    const header =
      o.noheading === true ? undefined : ['CONTAINER ID', 'NAMES', 'PID', 'CGROUPNS', 'IPC', 'MNT', 'NET', 'PIDNS', 'USERNS', 'UTS'];
    process.stdout.write(
      formatTable(
        header,
        rows.map((r) => [r.ID, r.Names, '0', '', '', '', '', '', '', '']),
      ),
    );
    return 0;
  }
  if (format !== undefined && isJSONFormat(format)) {
    process.stdout.write(
      `${goJSON(
        rows.map((r) => r.json()),
        { indent: '  ' },
      )}\n`,
    );
    return 0;
  }
  if (o.quiet === true && !p.changed.has('format')) {
    process.stdout.write(rows.map((r) => `${r.ID}\n`).join(''));
    return 0;
  }
  if (!p.changed.has('format')) {
    // the default table without the template engine (same output, faster start)
    const { formatTable } = await import('../format/tabwriter.js');
    const cols = defaultColumns(size, o.pod === true);
    process.stdout.write(formatTable(o.noheading === true ? undefined : cols.header, rows.map(cols.cells)));
    return 0;
  }
  const { renderOutput, isTableFormat, templateName } = await import('../format/output.js');
  const userFormat = format ?? '';
  process.stdout.write(
    renderOutput(rows, {
      format: userFormat,
      name: templateName(p.command),
      rowType: 'containers.psReporter',
      defaultTemplate: '{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}',
      headers: { ID: 'CONTAINER ID', CreatedHuman: 'CREATED', RunningFor: 'RUNNING FOR', Pod: 'POD ID', PodName: 'PODNAME', Size: 'SIZE' },
      noHeading: o.noheading === true || !isTableFormat(userFormat),
    }),
  );
  return 0;
}
