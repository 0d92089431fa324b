#!/usr/bin/env node
/**
 * berth CLI entry (the full bundle, dist/cli/bundle.cjs, and the CLI as modules): every
 * command, each module loaded only when its command runs (fast start-up).
 */
import { startCli, type CommandModule } from './dispatch.js';

export { VERSION, type GlobalOptions } from './dispatch.js';

startCli(process.argv.slice(2), (module) => import(`./commands/${module}.js`) as Promise<CommandModule>);
