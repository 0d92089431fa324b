/**
 * Entry of the light bundle (dist/cli/light.cjs; cli/light-commands.ts says which commands):
 * reads the command line and runs the command if it is one of the light ones; otherwise it
 * changes nothing and exports `handled: false`, and the launcher runs the full bundle, which
 * reads it again (and reports its usage errors, help, ...).
 */
import { route, startCli, type CommandModule, type Route } from './dispatch.js';
import { LIGHT_MODULES, type LightModule } from './light-commands.js';

const LOAD: Record<LightModule, () => Promise<CommandModule>> = {
  images: () => import('./commands/images.js'),
  exists: () => import('./commands/exists.js'),
  tag: () => import('./commands/tag.js'),
  untag: () => import('./commands/untag.js'),
  inspect: () => import('./commands/inspect.js'),
};

function lightRoute(argv: readonly string[]): Route | undefined {
  let r: Route;
  try {
    r = route(argv);
  } catch {
    return undefined;
  }
  if (r.kind !== 'command' || !Object.hasOwn(LIGHT_MODULES, r.def.module)) return undefined;
  return LIGHT_MODULES[r.def.module as LightModule](r.p) ? r : undefined;
}

const argv = process.argv.slice(2);
const routed = lightRoute(argv);

/** Whether this bundle runs the command (else the launcher runs the full one). */
export const handled = routed !== undefined;

if (routed) startCli(argv, (module) => LOAD[module as LightModule](), routed, { exitWhenDone: true });
