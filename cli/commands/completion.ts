/** berth completion bash|zsh|fish — print (or write with -f) a completion script. */
import { writeFileSync } from 'node:fs';
import { BerthError } from '../../src/errors.js';
import { goErrnoText } from '../../src/go/index.js';
import { completionScript } from '../completion.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, _g: GlobalOptions): Promise<number> {
  const shell = p.args[0]!;
  if (shell !== 'bash' && shell !== 'zsh' && shell !== 'fish') {
    throw new (await import('../flags.js')).UsageError(
      `invalid argument ${JSON.stringify(shell)} for "berth completion": use bash, zsh or fish`,
      'completion',
    );
  }
  const script = completionScript(shell);
  const file = p.flags.file as string | undefined;
  if (file !== undefined) {
    try {
      writeFileSync(file, script);
    } catch (e) {
      throw new BerthError('IO', `open ${file}: ${goErrnoText(e)}`, { cause: e, subject: file });
    }
  } else process.stdout.write(script);
  return 0;
}
