/**
 * --help texts, generated from the command table in one format for every command (the
 * layout of podman's cobra help: summary, Description, Usage, Aliases, Examples, Options).
 */
import {
  COMMANDS,
  GROUPS,
  PERSISTENT_FLAGS,
  ROOT_FLAGS,
  SUBGROUPS,
  commandWords,
  groupCommands,
  type CommandDef,
} from './command-table.js';
import { flagUsages } from './flags.js';

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');

function commandList(rows: readonly (readonly [string, string])[]): string {
  const w = Math.max(11, ...rows.map(([n]) => n.length)) + 1;
  return rows.map(([n, s]) => `  ${n.padEnd(w)}${s}\n`).join('');
}

/** `berth CMD --help` (and `berth help CMD`). */
export function commandHelp(c: CommandDef): string {
  let out = `${c.summary}\n\nDescription:\n${indent(c.description ?? c.summary)}\n\n`;
  out += `Usage:\n  berth ${c.name}${c.usage ? ` ${c.usage}` : ''}\n\n`;
  const others = commandWords(c).filter((w) => w !== c.name);
  if (others.length) out += `Aliases:\n  ${others.map((w) => `berth ${w}`).join(', ')}\n\n`;
  if (c.examples?.length) out += `Examples:\n${c.examples.map((e) => `  ${e}\n`).join('')}\n`;
  const visible = c.flags.filter((f) => !f.hidden);
  if (visible.length) out += `Options:\n${flagUsages(visible)}\n`;
  out += `Global options (before or after the command): --root DIR, --log-level LEVEL; see "berth --help".\n`;
  return out;
}

/** `berth image --help`, `berth system --help`. */
export function groupHelp(group: string): string {
  const g = [...GROUPS, ...SUBGROUPS].find((x) => x.name === group)!;
  const rows = groupCommands(group).map(([w, c]) => [w, c.summary] as const);
  return `${g.summary}\n\nDescription:\n${indent(g.description)}\n\nUsage:\n  berth ${group} [command]\n\nAvailable Commands:\n${commandList(rows)}\n`;
}

/** `berth --help`. */
export function rootHelp(): string {
  const rows: [string, string][] = [];
  for (const c of COMMANDS) if (!c.name.includes(' ')) rows.push([c.name, c.summary]);
  for (const g of GROUPS) rows.push([g.name, g.summary]);
  rows.sort((a, b) => a[0].localeCompare(b[0]));
  return (
    'Daemonless container image manager (podman-compatible image commands)\n\n' +
    'Usage:\n  berth [options] [command]\n\n' +
    `Available Commands:\n${commandList(rows)}\n` +
    `Options:\n${flagUsages([...PERSISTENT_FLAGS, ...ROOT_FLAGS, { name: 'help', short: 'h', type: 'bool' as const, help: 'help for berth' }].sort((a, b) => a.name.localeCompare(b.name)))}\n` +
    'Run "berth COMMAND --help" (or "berth help COMMAND") for a command\'s options.\n'
  );
}
