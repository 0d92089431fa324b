/**
 * goJSONSyntaxError: Go's encoding/json words for the first syntax error, as podman 4.3.1
 * prints them for a damaged policy.json (each expected message was read from podman).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goJSONSyntaxError } from '../../../src/go/json-syntax.js';

const CASES: [string | Buffer, string][] = [
  ['this is not', "invalid character 'h' in literal true (expecting 'r')"],
  ['{"a":1', 'unexpected end of JSON input'],
  ['', 'unexpected end of JSON input'],
  ['\t', 'unexpected end of JSON input'],
  ['{"a" 1}', "invalid character '1' after object key"],
  ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
  ['{"a":01}', "invalid character '1' after object key:value pair"],
  ['[1 2]', "invalid character '2' after array element"],
  ['{"a":tru}', "invalid character '}' in literal true (expecting 'e')"],
  ['{"a":nul}', "invalid character '}' in literal null (expecting 'l')"],
  ['{"a":fals}', "invalid character '}' in literal false (expecting 'e')"],
  ['{1:2}', "invalid character '1' looking for beginning of object key string"],
  ['{"a":{},}', "invalid character '}' looking for beginning of object key string"],
  ['{"a":[1,]}', "invalid character ']' looking for beginning of value"],
  [`{"a":'x'}`, "invalid character '\\'' looking for beginning of value"],
  ['{"a":"x\\qy"}', "invalid character 'q' in string escape code"],
  ['{"a":"\\u12G4"}', "invalid character 'G' in \\u hexadecimal character escape"],
  ['{"a":"x\u0001y"}', "invalid character '\\x01' in string literal"],
  ['{"a":\u007f}', "invalid character '\\x7f' looking for beginning of value"],
  [Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xc3, 0xa9, 0x7d]), "invalid character 'Ã' looking for beginning of value"],
  ['{"a":-x}', "invalid character 'x' in numeric literal"],
  ['{"a":1.}', "invalid character '}' after decimal point in numeric literal"],
  ['{"a":1.5e}', "invalid character '}' in exponent of numeric literal"],
  ['{"a":1.5e+}', "invalid character '}' in exponent of numeric literal"],
  ['{} x', "invalid character 'x' after top-level value"],
  ['{"a":1}}', "invalid character '}' after top-level value"],
  // the end of input inside a token: Go's scanner reads a space there
  ['-', "invalid character ' ' in numeric literal"],
  ['{"a":1.', "invalid character ' ' after decimal point in numeric literal"],
  ['{"a":1.5e', "invalid character ' ' in exponent of numeric literal"],
  ['{"a":1.5e-', "invalid character ' ' in exponent of numeric literal"],
  ['{"a":tr', "invalid character ' ' in literal true (expecting 'u')"],
  ['[f', "invalid character ' ' in literal false (expecting 'a')"],
  ['"\\', "invalid character ' ' in string escape code"],
  ['"\\u12', "invalid character ' ' in \\u hexadecimal character escape"],
  ['{"a":"abc', 'unexpected end of JSON input'],
  ['[1', 'unexpected end of JSON input'],
  ['{"a"', 'unexpected end of JSON input'],
];

test("Go's words for syntax errors", () => {
  for (const [input, want] of CASES) assert.equal(goJSONSyntaxError(input), want, JSON.stringify(String(input)));
});

test('valid JSON has no syntax error (whatever its type)', () => {
  for (const ok of ['{}', '[]', '-0', '1e5', '0.5E-3', '"\\u00e9\\n"', 'null', ' {"a": [true, false, null, {"b": "c"}]} ', '"é"'])
    assert.equal(goJSONSyntaxError(ok), undefined, ok);
});
