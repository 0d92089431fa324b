/**
 * berth system service [--time N] [URI] — serve the Docker Engine API for the store's images
 * until idle for --time seconds (0: never) or until SIGINT/SIGTERM.
 */
import type { Parsed } from '../flags.js';
import { VERSION, type GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const { startDockerService, defaultServiceURI } = await import('../../server/docker/service.js');
  const service = await startDockerService({
    uri: p.args[0] ?? defaultServiceURI(),
    ...(g.root !== undefined ? { root: g.root } : {}),
    idleSeconds: p.opts.time as number,
    version: VERSION,
  });
  const stop = () => void service.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await service.closed;
  return 0;
}
