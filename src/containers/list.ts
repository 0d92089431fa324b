/**
 * Listing containers with podman's ps filters (podman pkg/domain/filters/containers.go):
 * values of one key are OR-ed, different keys AND-ed. berth runs nothing, so every container
 * is "created": `status=created` matches all, the other states none.
 *
 *   id=PREFIX|REGEX   name=REGEX   status=STATE   ancestor=IMAGE (ID substring or name regex)
 *   before=CONTAINER  since=CONTAINER  until=TIME  command=REGEX (the first word)
 *   label=KEY[=VALUE]  (the container's labels: the image's and create --label's); label!=... only
 *   for prune (podman's ps and rm --filter reject it: "label! is an invalid filter")
 *   exited=CODE health=STATE network=NAME pod=NAME volume=NAME restart-policy=POLICY: valid keys
 *   that match no berth container (none ever exited; none has a health check, network, pod,
 *   volume or restart policy), as podman's do for containers without them.
 */
import { BerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ContainerRow } from '../store/index-db.js';
import { GoTime, parseRFC3339, parseTimestampFilter } from '../go/time.js';
import { matchLabelFilter } from '../images/filters.js';
import { lookupContainer } from './lookup.js';

export interface ListContainersOptions {
  /** podman ps filters, "key=value". */
  filters?: readonly string[];
  now?: Date;
}

/** The states podman knows (a filter naming another one is an error). */
const STATES = ['unknown', 'configured', 'created', 'running', 'stopped', 'paused', 'exited', 'removing', 'stopping'];

/** The restart policies podman knows. */
const RESTART_POLICIES = ['', 'no', 'on-failure', 'always', 'unless-stopped'];

/** A container's creation time. */
export function containerCreated(c: ContainerRow): GoTime {
  return parseRFC3339(c.created) ?? GoTime.zero();
}

/** Go's regexp.MatchString for a user's pattern: an invalid pattern matches nothing. */
function goMatch(pattern: string, s: string): boolean {
  try {
    return new RegExp(pattern).test(s);
  } catch {
    return false;
  }
}

type Pred = (c: ContainerRow) => boolean;

/**
 * Compile ps filters; INVALID_ARGUMENT in podman's words for a bad one. `prune`: the filters of
 * container/system prune, which also take label!= (their callers check the other keys).
 */
export function compileContainerFilters(store: Store, filters: readonly string[], now: Date = new Date(), prune = false): Pred {
  const byKey = new Map<string, string[]>();
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq < 0) throw new BerthError('INVALID_ARGUMENT', `invalid filter ${JSON.stringify(f)}`);
    const key = f.slice(0, eq);
    (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(f.slice(eq + 1));
  }
  const preds: Pred[] = [];
  for (const [key, values] of byKey) {
    switch (key) {
      case 'id':
        preds.push((c) => values.some((v) => (/[^0-9a-fA-F]/.test(v) ? goMatch(v, c.id) : c.id.startsWith(v.toLowerCase()))));
        break;
      case 'name':
        preds.push((c) => values.some((v) => goMatch(v.replaceAll('/', ''), c.name)));
        break;
      case 'status':
        for (const v of values)
          if (!STATES.includes(v)) throw new BerthError('INVALID_ARGUMENT', `unknown container state: ${v}: invalid argument`);
        preds.push(() => values.includes('created'));
        break;
      case 'ancestor':
        preds.push((c) => {
          const colon = c.imageName.lastIndexOf(':');
          const tagged = colon > c.imageName.lastIndexOf('/');
          const latest = tagged && c.imageName.slice(colon + 1) === 'latest' ? c.imageName.slice(0, colon) : undefined;
          return values.some((v) => c.imageId.includes(v) || goMatch(v, c.imageName) || (latest !== undefined && goMatch(v, latest)));
        });
        break;
      case 'before':
      case 'since': {
        let t: GoTime | undefined;
        for (const v of values) {
          const ct = containerCreated(lookupContainer(store, v));
          if (!t || t.after(ct)) t = ct;
        }
        const at = t!;
        preds.push(key === 'before' ? (c) => at.after(containerCreated(c)) : (c) => at.before(containerCreated(c)));
        break;
      }
      case 'until': {
        let t: GoTime | undefined;
        for (const v of values) {
          try {
            t = parseTimestampFilter(v, now);
          } catch (e) {
            throw e instanceof BerthError ? e : new BerthError('INVALID_ARGUMENT', (e as Error).message);
          }
        }
        const at = t!;
        preds.push((c) => !at.isZero && containerCreated(c).before(at));
        break;
      }
      case 'command':
        preds.push((c) => c.command.length > 0 && values.some((v) => goMatch(v, c.command[0]!)));
        break;
      case 'label':
        preds.push((c) => values.every((v) => matchLabelFilter(v, c.labels)));
        break;
      case 'label!':
        if (!prune) throw new BerthError('INVALID_ARGUMENT', `${key} is an invalid filter`);
        preds.push((c) => !values.some((v) => matchLabelFilter(v, c.labels)));
        break;
      case 'exited':
        for (const v of values)
          if (!/^[+-]?\d+$/.test(v) || Math.abs(Number(v)) > 2 ** 31 - 1)
            throw new BerthError(
              'INVALID_ARGUMENT',
              `exited code out of range '\\x00': strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`,
            );
        preds.push(() => false);
        break;
      case 'restart-policy':
        for (const v of values) if (!RESTART_POLICIES.includes(v)) throw new BerthError('INVALID_ARGUMENT', `${v} invalid restart policy`);
        // berth's containers have none: only the empty policy matches
        preds.push(() => values.includes(''));
        break;
      case 'health':
      case 'network':
      case 'pod':
      case 'volume':
        preds.push(() => false);
        break;
      default:
        throw new BerthError('INVALID_ARGUMENT', `${key} is an invalid filter`);
    }
  }
  return (c) => preds.every((p) => p(c));
}

/** The containers matching `opts.filters`, oldest first. */
export function listContainers(store: Store, opts: ListContainersOptions = {}): ContainerRow[] {
  const rows = store.listContainers();
  if (!opts.filters?.length) return rows;
  const match = compileContainerFilters(store, opts.filters, opts.now);
  return rows.filter(match);
}
