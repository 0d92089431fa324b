/** JSON responses and bounded request bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './errors.js';

/** Default cap on request bodies read into memory (JSON parameters, auth). */
export const BODY_LIMIT = 1 << 20;

export function sendJSON(res: ServerResponse, status: number, value: unknown): void {
  sendJSONText(res, status, JSON.stringify(value) + '\n');
}

/** An answer already serialized (a cached listing). */
export function sendJSONText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** The whole request body; more than `limit` bytes is a 413 error (the rest is not read). */
export async function readBody(req: IncomingMessage, limit = BODY_LIMIT): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The body parsed as JSON (empty body: undefined); malformed JSON is a 400 error. */
export async function readJSON(req: IncomingMessage, limit = BODY_LIMIT): Promise<unknown> {
  const body = await readBody(req, limit);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new ApiError(400, `invalid JSON: ${(e as Error).message}`);
  }
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, `request body too large: more than ${limit} bytes`);
}
