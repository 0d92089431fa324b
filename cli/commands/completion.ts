/** berth completion bash|zsh|fish — print (or write with -f) a completion script. */
import { writeFileSync } from 'node:fs';
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
  if (file !== undefined) writeFileSync(file, script);
  else process.stdout.write(script);
  return 0;
}
