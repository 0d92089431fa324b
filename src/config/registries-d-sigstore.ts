/**
 * The YAML that registries.d files (containers-registries.d(5)) are written in, read here:
 * only the block-mapping subset they use (nested `key: value` mappings, scalars, comments);
 * anything else is an error naming the file and line. Also the sigstore view of registries.d
 * (registries-d.ts reads and merges the files): which docker repositories keep sigstore
 * signatures as attachments (`use-sigstore-attachments`, most specific namespace first, then
 * `default-docker`, as containers/image).
 */
import { BerthError } from '../errors.js';
import { loadRegistriesD, usesSigstoreAttachments } from './registries-d.js';

export interface RegistriesDSigstore {
  /** Whether attachments are used for a docker identity ("host/repo:tag" or "host/repo@digest"). */
  useSigstoreAttachments(identity: string): boolean;
}

type YamlMap = Map<string, YamlValue>;
export type YamlValue = string | YamlMap | null;

function unquote(s: string, fail: (why: string) => never): string {
  if (s.startsWith('"')) {
    try {
      return JSON.parse(s) as string;
    } catch {
      fail(`invalid double-quoted string ${s}`);
    }
  }
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) fail(`invalid single-quoted string ${s}`);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  return s;
}

/** Strip a comment: '#' at the start or after whitespace, outside quotes. */
function stripComment(line: string): string {
  let q: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === q) q = undefined;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/** The nested block mappings of one file. */
export function parseBlockYaml(text: string, file: string): YamlMap {
  const root: YamlMap = new Map();
  const stack: Array<{ indent: number; map: YamlMap }> = [{ indent: -1, map: root }];
  let pendingKey: { map: YamlMap; key: string; indent: number } | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const fail = (why: string): never => {
      throw new BerthError('CONFIG', `${file}:${i + 1}: ${why}`, { hint: 'see containers-registries.d(5)' });
    };
    if (/^\s*\t/.test(raw)) fail('tabs are not allowed for indentation');
    const line = stripComment(raw).trimEnd();
    if (line.trim() === '' || line.trim() === '---') return;
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    // A plain key ends at the first ": " (or ":" at the end); a quoted one at its closing quote.
    const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^'"].*?)\s*:(?:\s+(.*))?$/.exec(body);
    if (!m || /^[-?[{]/.test(body)) fail(`unsupported YAML: ${JSON.stringify(body.slice(0, 60))}`);
    const key = unquote(m![1]!.trim(), fail);
    const value = m![2]?.trim();
    if (pendingKey && indent > pendingKey.indent) {
      const child: YamlMap = new Map();
      pendingKey.map.set(pendingKey.key, child);
      stack.push({ indent, map: child });
    } else {
      while (stack.length > 1 && indent < stack[stack.length - 1]!.indent) stack.pop();
      if (stack.length === 1 && stack[0]!.indent === -1) stack[0]!.indent = indent;
      if (indent !== stack[stack.length - 1]!.indent) fail('inconsistent indentation');
    }
    pendingKey = undefined;
    const top = stack[stack.length - 1]!;
    if (top.map.has(key)) fail(`duplicate key ${JSON.stringify(key)}`);
    if (value === undefined || value === '') {
      top.map.set(key, null);
      pendingKey = { map: top.map, key, indent };
    } else {
      if (/^[[{&*!|>]/.test(value)) fail(`unsupported YAML value for ${JSON.stringify(key)}`);
      top.map.set(key, unquote(value, fail));
    }
  });
  return root;
}

/** Read registries.d (every *.yaml in the directory). A missing directory configures nothing. */
export function loadRegistriesDSigstore(dir?: string): RegistriesDSigstore {
  const conf = loadRegistriesD({ dir });
  return { useSigstoreAttachments: (identity: string) => usesSigstoreAttachments(conf, identity) };
}
