/** Template errors: parse and execution failures, turned into one-line BerthErrors at the API boundary. */
import { BerthError } from '../../../src/errors.js';

export function templateError(message: string, hint?: string): BerthError {
  return new BerthError('INVALID_ARGUMENT', `template: ${oneLine(message)}`, hint ? { hint } : {});
}

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').replace(/\t/g, ' ');
}

export class ParseError extends Error {}

/** Internal execution failure; converted into a BerthError at the top of execute(). */
export class ExecError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
