// README.md promises "a usage section for every command, accurate to the flag". The command table is
// the truth (the parser, --help and completion come from it); these checks keep the README's
// "## Commands" part in step with it, in both directions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMANDS, GROUPS, PERSISTENT_FLAGS, ROOT_FLAGS, SUBGROUPS, type CommandDef } from '../../cli/command-table.js';
import type { FlagSpec } from '../../cli/flags.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

interface Section {
  /** The `### ` heading ("" for the text between "## Commands" and the first heading). */
  title: string;
  text: string;
}

/** The `###` sections of "## Commands", and "### system service" wherever it is. */
function commandSections(readme: string): Section[] {
  const out: Section[] = [];
  let inCommands = false;
  let cur: Section | undefined;
  for (const line of readme.split('\n')) {
    if (line.startsWith('## ')) {
      inCommands = line === '## Commands';
      cur = inCommands ? { title: '', text: '' } : undefined;
      if (cur) out.push(cur);
    } else if (line.startsWith('### ') && inCommands) {
      cur = { title: line.slice(4).trim(), text: '' };
      out.push(cur);
    } else if (cur) cur.text += line + '\n';
  }
  return out;
}

/** Paragraphs and list items: the unit a command's usage line and its explanation live in. */
function blocks(text: string): string[] {
  return text.split(/\n\s*\n|\n(?=- )/);
}

const wordsOf = (c: CommandDef): string[] => [c.name, ...(c.aliases ?? [])];
/** "berth NAME" as a command line starts: a backtick before it, anything but a word character after. */
const namesCommand = (text: string, words: string): boolean =>
  new RegExp('`berth ' + words.replace(/\./g, '\\.') + '(?![\\w-])').test(text);
/** Headings name commands as "a / b / c (note)". */
const headingNames = (title: string): string[] => title.split(' / ').map((s) => s.replace(/\(.*\)/, '').trim());
const longFlags = (text: string): string[] => [...text.matchAll(/(?<![\w-])--([a-z][a-z0-9.-]*[a-z0-9])/g)].map((m) => m[1]!);

/** The README text that documents a command: the blocks with its usage line, else the section its heading names. */
function usageText(sections: readonly Section[], c: CommandDef): string {
  const words = wordsOf(c);
  const found = sections.flatMap((s) => blocks(s.text)).filter((b) => words.some((w) => namesCommand(b, w)));
  if (found.length) return found.join('\n');
  return sections
    .filter((s) => headingNames(s.title).some((n) => words.includes(n)))
    .map((s) => s.text)
    .join('\n');
}

/** Usage lines: inline code spans that start with a command's words (the longest match). */
function usageLines(text: string): { command: CommandDef; line: string }[] {
  const out: { command: CommandDef; line: string }[] = [];
  for (const m of text.matchAll(/`berth ([^`]*)`/g)) {
    const line = m[1]!;
    let best: { command: CommandDef; len: number } | undefined;
    for (const c of COMMANDS)
      for (const w of wordsOf(c))
        if (new RegExp('^' + w.replace(/\./g, '\\.') + '(?![\\w-])').test(line) && (!best || w.length > best.len))
          best = { command: c, len: w.length };
    if (best) out.push({ command: best.command, line });
  }
  return out;
}

const readme = readFileSync(README, 'utf8');
const sections = commandSections(readme);
const GLOBAL: readonly FlagSpec[] = [...PERSISTENT_FLAGS, ...ROOT_FLAGS];

test('the README has a "## Commands" part with usage sections', () => {
  assert.ok(sections.length > 10, `found ${sections.length} sections`);
  assert.ok(
    sections.some((s) => s.title === 'system service'),
    'a "### system service" section',
  );
});

test('the README says how to list the commands of every group', () => {
  const intro = sections.find((s) => s.title === '')!.text;
  const missing = [...GROUPS, ...SUBGROUPS].map((g) => g.name).filter((n) => !intro.includes(`\`berth ${n} --help\``));
  assert.deepEqual(missing, [], 'groups whose `berth GROUP --help` the README does not name');
});

test('every command of the table has a usage section or a usage line in the README', () => {
  const missing = COMMANDS.filter((c) => !usageText(sections, c).trim()).map((c) => c.name);
  assert.deepEqual(missing, [], 'commands the README does not describe');
});

test("every flag of every command appears in that command's README usage", () => {
  const missing: string[] = [];
  for (const c of COMMANDS) {
    const named = new Set(longFlags(usageText(sections, c)));
    for (const f of c.flags) if (!f.hidden && !named.has(f.name)) missing.push(`${c.name} --${f.name}`);
  }
  assert.deepEqual(missing, [], 'flags missing from the README');
});

test("every flag a usage line names exists for its command, with the command's short form", () => {
  const wrong: string[] = [];
  for (const { command, line } of usageLines(sections.map((s) => s.text).join('\n'))) {
    const flags = [...command.flags, ...GLOBAL];
    for (const name of longFlags(line)) if (!flags.some((f) => f.name === name)) wrong.push(`${command.name}: --${name}`);
    for (const m of line.matchAll(/(?<![\w-])-([a-zA-Z])(?![\w-])/g))
      if (!flags.some((f) => f.short === m[1])) wrong.push(`${command.name}: -${m[1]}`);
    // "-a|--all", "-a, --all": the short form belongs to that long flag.
    for (const m of line.matchAll(/(?<![\w-])-([a-zA-Z])(?:\||, )--([a-z][a-z0-9.-]*)/g))
      if (flags.find((f) => f.name === m[2])?.short !== m[1]) wrong.push(`${command.name}: -${m[1]} is not --${m[2]}`);
  }
  assert.deepEqual(wrong, [], 'usage lines that name what the command does not have');
});

/** Flags a section may name that no command has: --help (the parser's), placeholders and refused examples. */
const NOT_FLAGS = new Set([
  'help', // every command's, handled by the parser
  'flag', // "`--flag value`", the syntax
  'foo', // "`unknown flag: --foo`", the parser's error
  'network', // run-time flags podman has and berth refuses as unknown
]);

test('every --flag a command section names exists for a command it describes', () => {
  const wrong: string[] = [];
  for (const s of sections) {
    // Another tool's command line (`skopeo copy --all`) names that tool's flags.
    const text = s.text.replace(/`(?:podman|skopeo|docker|node) [^`]*`/g, '');
    const named = COMMANDS.filter((c) => wordsOf(c).some((w) => headingNames(s.title).includes(w)));
    // A section whose heading names commands describes those and the ones it gives usage lines for;
    // the others (the introduction, "Signatures") speak of every command.
    const described = named.length ? [...named, ...COMMANDS.filter((c) => wordsOf(c).some((w) => namesCommand(text, w)))] : COMMANDS;
    const flags = [...described.flatMap((c) => c.flags), ...GLOBAL];
    for (const name of longFlags(s.title + '\n' + text))
      if (!NOT_FLAGS.has(name) && !flags.some((f) => f.name === name)) wrong.push(`### ${s.title || '(Commands)'}: --${name}`);
  }
  assert.deepEqual(wrong, [], 'flags the README names that no command of the section has');
});

test('the checks above can fail: a usage line without a flag is caught', () => {
  const pull = COMMANDS.find((c) => c.name === 'pull')!;
  const cut = sections.map((s) => ({ ...s, text: s.text.replace(/--all-tags/g, '') }));
  assert.ok(longFlags(usageText(sections, pull)).includes('all-tags'));
  assert.ok(!longFlags(usageText(cut, pull)).includes('all-tags'));
  assert.deepEqual(
    usageLines('`berth image unmount|umount [-a|--all]` `berth pull -x`').map((u) => u.command.name),
    ['image unmount', 'pull'],
  );
});
