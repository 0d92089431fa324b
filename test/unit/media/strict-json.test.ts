import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStrictJSON } from '../../../src/media/index.js';
import { expectError } from '../../helpers/expect-error.js';

function dup(text: string, key: string) {
  assert.throws(() => parseStrictJSON(text, 'doc'), expectError('INVALID_MANIFEST', `doc has duplicate key ${JSON.stringify(key)}`), text);
}

test('parses valid JSON like JSON.parse', () => {
  const text = '{"a":1,"b":[{"a":2},{"a":3}],"c":{"a":{"a":4}},"s":"{\\"a\\":1,\\"a\\":2}"}';
  assert.deepEqual(parseStrictJSON(text, 'doc'), JSON.parse(text));
  assert.equal(parseStrictJSON('null', 'doc'), null);
  assert.deepEqual(parseStrictJSON(' [1, "x", true] ', 'doc'), [1, 'x', true]);
});

test('duplicate keys at the top level', () => dup('{"layers":[],"config":{},"layers":[1]}', 'layers'));
test('duplicate keys in a nested object', () => dup('{"config":{"digest":"a","size":1,"digest":"b"}}', 'digest'));
test('duplicate keys inside an array of objects', () => dup('[{"Config":"a","Layers":[],"Layers":["../x"]}]', 'Layers'));
test('duplicate keys after a nested value', () => dup('{"a":{"b":{"c":1}},"d":[1,{"e":2}],"a":2}', 'a'));
test('duplicates spelled with escapes', () => dup('{"os":"linux","\\u006fs":"windows"}', 'os'));
test('duplicate keys with whitespace and newlines', () => dup('{\n  "a" : 1 ,\n  "a" : 2\n}', 'a'));

test('the same key in sibling objects is fine', () => {
  assert.doesNotThrow(() => parseStrictJSON('[{"a":1},{"a":2}]', 'doc'));
  assert.doesNotThrow(() => parseStrictJSON('{"x":{"a":1},"y":{"a":2}}', 'doc'));
});

test('keys differing only in case are different keys (Go would merge them; we keep JS semantics)', () => {
  const v = parseStrictJSON('{"layers":[1],"Layers":[2]}', 'doc') as Record<string, unknown>;
  assert.deepEqual(v.layers, [1]);
  assert.deepEqual(v.Layers, [2]);
});

test('strings holding quotes, braces and backslashes do not confuse the scan', () => {
  assert.doesNotThrow(() => parseStrictJSON('{"a":"}\\"{,\\\\","b":"\\\\"}', 'doc'));
  dup('{"a":"}\\"{,\\\\","a":"x"}', 'a');
});

test('invalid JSON: one-line message naming the document, control characters escaped', () => {
  for (const text of ['garbage\nmore\n{', '{"a":', '', '\u0000\u0001\u001b[31m', '{"a":1,}']) {
    assert.throws(
      () => parseStrictJSON(text, 'archive.tar: manifest.json'),
      expectError('INVALID_MANIFEST', /^archive\.tar: manifest\.json is not valid JSON: /, (e) => {
        assert.doesNotMatch(e.message, /\p{Cc}/u);
        assert.ok(e.message.length < 300);
      }),
      JSON.stringify(text),
    );
  }
});
