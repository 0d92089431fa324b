/**
 * The launcher tries the light bundle only when the command line holds one of LIGHT_WORDS:
 * every name and alias of a light command must end with one, or that command would always run
 * from the full bundle (correct, but the start-up the light bundle exists for would be lost).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMANDS, commandWords } from '../../../cli/command-table.js';
import { LIGHT_MODULES, LIGHT_WORDS } from '../../../cli/light-commands.js';
import { parseCommandLine } from '../../../cli/flags.js';

const light = COMMANDS.filter((c) => Object.hasOwn(LIGHT_MODULES, c.module));

test('every light module is a command module of the table', () => {
  assert.deepEqual(
    Object.keys(LIGHT_MODULES).filter((m) => !light.some((c) => c.module === m)),
    [],
  );
});

test("every word that runs a light command ends with one of the launcher's words", () => {
  const words = light.flatMap((c) => commandWords(c));
  assert.ok(words.includes('image ls') && words.includes('container inspect'), words.join(', '));
  assert.deepEqual(
    words.filter((w) => !LIGHT_WORDS.includes(w.split(' ').at(-1)!)),
    [],
  );
});

test('inspect --size (a container size needs the container code) is left to the full bundle', () => {
  const def = COMMANDS.find((c) => c.name === 'inspect')!;
  const parse = (args: string[]) => parseCommandLine(args, { ...def, name: 'inspect' });
  assert.equal(LIGHT_MODULES.inspect(parse(['x'])), true);
  assert.equal(LIGHT_MODULES.inspect(parse(['--size', 'x'])), false);
  assert.equal(LIGHT_MODULES.inspect(parse(['-s', 'x'])), false);
});
