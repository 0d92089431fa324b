/**
 * Preload for `node --import`: records the URL of every module the process loads, one per
 * line, in the file named by BERTH_MODULE_TRACE (the hooks run on the loader thread, which
 * cannot share memory with the program). Lets tests check what a command loads.
 */
import { register } from 'node:module';

register('./module-trace-hooks.js', import.meta.url);
