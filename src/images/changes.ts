import { BerthError } from '../errors.js';
import type { ImageConfig } from '../media/types.js';

/** Parse a Dockerfile-style value: a JSON array, or a shell string run by /bin/sh -c. */
function execForm(v: string): string[] {
  const t = v.trim();
  if (t.startsWith('[')) {
    try {
      const a = JSON.parse(t) as unknown;
      if (Array.isArray(a) && a.every((x) => typeof x === 'string')) return a as string[];
    } catch {
      /* not JSON: shell form */
    }
  }
  return ['/bin/sh', '-c', t];
}

/** key=value pairs (quotes allowed) or the legacy "key value" form. */
function keyValues(v: string, what: string): [string, string][] {
  const t = v.trim();
  if (!t.includes('=')) {
    const sp = t.search(/\s/);
    if (sp < 0) throw new BerthError('INVALID_ARGUMENT', `invalid --change ${what} ${JSON.stringify(v)}: expected KEY=VALUE`);
    return [[t.slice(0, sp), t.slice(sp).trim()]];
  }
  const out: [string, string][] = [];
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t))) {
    let val = m[2]!;
    if (val.startsWith('"')) val = JSON.parse(val) as string;
    else if (val.startsWith("'")) val = val.slice(1, -1);
    out.push([m[1]!, val]);
  }
  if (out.length === 0) throw new BerthError('INVALID_ARGUMENT', `invalid --change ${what} ${JSON.stringify(v)}: expected KEY=VALUE`);
  return out;
}

/** Apply podman-style `--change` instructions to an image config. */
export function applyChanges(cfg: ImageConfig, changes: string[]): void {
  const c = (cfg.config ??= {});
  for (const change of changes) {
    const m = /^\s*([A-Za-z]+)(?:\s+|=)([\s\S]*)$/.exec(change);
    // podman's words (libimage's ImageConfigFromChanges): `invalid change "CHANGE" - WHY`
    const invalid = (why: string) => new BerthError('INVALID_ARGUMENT', `invalid change ${JSON.stringify(change)} - ${why}`);
    if (!m) throw invalid('must be formatted as KEY VALUE');
    const instr = m[1]!.toUpperCase();
    const value = m[2]!;
    switch (instr) {
      case 'CMD':
        c.Cmd = execForm(value);
        break;
      case 'ENTRYPOINT':
        c.Entrypoint = execForm(value);
        break;
      case 'ENV': {
        const env = (c.Env ??= []);
        for (const [k, v] of keyValues(value, 'ENV')) {
          const i = env.findIndex((e) => e.startsWith(`${k}=`));
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        break;
      }
      case 'LABEL': {
        const labels = (c.Labels ??= {});
        for (const [k, v] of keyValues(value, 'LABEL')) labels[k] = v;
        break;
      }
      case 'EXPOSE': {
        const ports = (c.ExposedPorts ??= {});
        for (const p of value.trim().split(/\s+/)) {
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(p)) {
            const port = p.split('/')[0]!;
            throw invalid(
              /^\d+$/.test(port)
                ? 'EXPOSE protocol must be TCP or UDP'
                : `EXPOSE port must be an integer: strconv.Atoi: parsing ${JSON.stringify(port)}: invalid syntax`,
            );
          }
          ports[p.includes('/') ? p : `${p}/tcp`] = {};
        }
        break;
      }
      case 'USER':
        c.User = value.trim();
        break;
      case 'WORKDIR':
        c.WorkingDir = value.trim();
        break;
      case 'STOPSIGNAL':
        c.StopSignal = value.trim();
        break;
      case 'VOLUME': {
        const vols = (c.Volumes ??= {});
        const list = value.trim().startsWith('[') ? execForm(value) : value.trim().split(/\s+/);
        for (const v of list) vols[v] = {};
        break;
      }
      case 'ONBUILD': {
        const ob = ((c as Record<string, unknown>).OnBuild as string[] | undefined) ?? [];
        ob.push(value.trim());
        (c as Record<string, unknown>).OnBuild = ob;
        break;
      }
      default:
        throw invalid(`invalid instruction ${instr}`);
    }
  }
}
