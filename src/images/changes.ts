import { BerthError } from '../errors.js';
import type { ImageConfig } from '../media/types.js';

const ALLOWED = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'USER', 'VOLUME', 'WORKDIR', 'STOPSIGNAL', 'ONBUILD'];

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
    if (!m)
      throw new BerthError('INVALID_ARGUMENT', `invalid --change ${JSON.stringify(change)}: expected "INSTRUCTION VALUE"`, {
        hint: `instructions: ${ALLOWED.join(', ')}`,
      });
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
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(p))
            throw new BerthError('INVALID_ARGUMENT', `invalid --change EXPOSE port ${JSON.stringify(p)}: expected PORT[/tcp|udp|sctp]`);
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
        throw new BerthError('INVALID_ARGUMENT', `invalid --change instruction ${JSON.stringify(instr)}`, {
          hint: `allowed: ${ALLOWED.join(', ')}`,
        });
    }
  }
}
