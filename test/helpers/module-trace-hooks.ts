// Module loader hooks of ./module-trace.ts: append each resolved URL to BERTH_MODULE_TRACE.
import { appendFileSync } from 'node:fs';

const out = process.env.BERTH_MODULE_TRACE;

interface Resolved {
  url: string;
}

export async function resolve(specifier: string, context: unknown, next: (s: string, c: unknown) => Promise<Resolved>): Promise<Resolved> {
  const r = await next(specifier, context);
  if (out) appendFileSync(out, `${r.url}\n`);
  return r;
}
