/**
 * Template errors in Go text/template's words: parse errors as `template: NAME:LINE: MSG`,
 * execution errors as `template: NAME:LINE:COL: executing "NAME" at <CONTEXT>: MSG`, turned
 * into one-line BerthErrors at the API boundary.
 */
import { BerthError } from '../../../src/errors.js';

/** `data.phase` tells a parse error from an execution error (podman's inspect words the latter). */
export function templateError(message: string, phase: 'parse' | 'execute'): BerthError {
  return new BerthError('INVALID_ARGUMENT', `template: ${oneLine(message)}`, { data: { phase } });
}

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').replace(/\t/g, ' ');
}

/** A parse failure at `pos` (an offset in the template's text). */
export class ParseError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

/** Internal execution failure; converted into a BerthError (with the node being run) at the top of execute(). */
export class ExecError extends Error {}

/** Where a node is: Go's ErrorContext, "NAME:LINE:COL" (COL counts bytes from the line's start, from 0). */
export function errorLocation(name: string, text: string, pos: number): string {
  const before = text.slice(0, pos);
  const nl = before.lastIndexOf('\n');
  let line = 1;
  for (let i = 0; i < before.length; i++) if (before.charCodeAt(i) === 10) line++;
  return `${name}:${line}:${Buffer.byteLength(before.slice(nl + 1))}`;
}

/** Go's ErrorContext context: the node's text, cut to 20 characters. */
export function errorContext(src: string): string {
  const chars = [...src];
  return chars.length > 20 ? `${chars.slice(0, 20).join('')}...` : src;
}
