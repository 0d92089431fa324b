/**
 * Preload for `node --import` when running the bundled CLI (dist/cli/berth.cjs), whose own
 * code is one file: records, in the file named by BERTH_REQUIRE_TRACE, every module the
 * process requires (`require NAME -> FILE`, the packages left out of the bundle and native
 * addons), every native addon opened (`dlopen FILE`, also under require), every script the
 * launcher compiles (`script FILE`: which bundle ran) and every built-in module Node loaded
 * beyond its own start-up (`builtin NAME`).
 */
import Module from 'node:module';
import vm from 'node:vm';
import { writeFileSync } from 'node:fs';

const out = process.env.BERTH_REQUIRE_TRACE;
/** Node's list of the internal modules it loaded (not in @types/node). */
const loadList = () => (process as unknown as { moduleLoadList: string[] }).moduleLoadList;
const atStart = new Set(loadList());
const lines: string[] = [];
type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
const M = Module as unknown as { _load: Load; _resolveFilename(request: string, parent: unknown, isMain: boolean): string };
const load = M._load;
M._load = function (request, parent, isMain) {
  let file = request;
  try {
    file = M._resolveFilename(request, parent, isMain);
  } catch {
    // reported by the require itself
  }
  lines.push(`require ${request} -> ${file}`);
  return load.call(this, request, parent, isMain);
};
// a native addon loaded by its path (src/store/sqlite.ts) rather than through require
const dlopen = process.dlopen.bind(process);
process.dlopen = (module: { exports: unknown }, file: string, flags?: number) => {
  lines.push(`dlopen ${file}`);
  return flags === undefined ? dlopen(module, file) : dlopen(module, file, flags);
};
// the launcher compiles each bundle it runs with vm.Script (looked up when it is called)
const Script = vm.Script;
vm.Script = class extends Script {
  constructor(code: string, opts?: vm.ScriptOptions) {
    lines.push(`script ${opts?.filename ?? '?'}`);
    super(code, opts);
  }
};
process.on('exit', () => {
  for (const m of loadList()) if (!atStart.has(m) && m.startsWith('NativeModule ')) lines.push(`builtin ${m.slice(13)}`);
  if (out) writeFileSync(out, `${lines.join('\n')}\n`);
});
