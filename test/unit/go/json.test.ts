/** Go encoding/json: map/struct key order, escaping and indentation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GoStruct, goJSON, goMap } from '../../../src/go/json.js';
import { GoTime } from '../../../src/go/time.js';

test('explicit maps: only Map and null-prototype objects are sorted; plain objects keep field order', () => {
  const v = {
    mediaType: 'm',
    size: 2,
    digest: 'd',
    annotations: goMap({ z: '1', a: '2' }),
    m: new Map([
      ['b', 1],
      ['a', 2],
    ]),
  };
  assert.equal(goJSON(v), '{"mediaType":"m","size":2,"digest":"d","annotations":{"a":"2","z":"1"},"m":{"a":2,"b":1}}');
  assert.equal(goJSON(new GoStruct({ b: 1, a: undefined, c: [] })), '{"b":1,"c":[]}');
});

test('inferred maps: lower-case plain objects are maps, upper-case ones structs', () => {
  assert.equal(goJSON({ Z: 1, Labels: { z: '1', a: '2' } }, { maps: 'inferred' }), '{"Z":1,"Labels":{"a":"2","z":"1"}}');
});

test('escaping, toJSON, omitted and null values, indentation', () => {
  assert.equal(goJSON('<a&b>\u2028'), '"\\u003ca\\u0026b\\u003e\\u2028"');
  assert.equal(goJSON('<a&b>', { escapeHTML: false }), '"<a&b>"');
  assert.equal(goJSON([undefined, Number.NaN, () => 1, GoTime.fromUnix(0, 5)]), '[null,null,null,"1970-01-01T00:00:00.000000005Z"]');
  assert.equal(goJSON({ A: [1, {}], B: { f: undefined } }, { indent: '  ' }), '{\n  "A": [\n    1,\n    {}\n  ],\n  "B": {}\n}');
  assert.equal(goJSON([{ A: 1 }], { indent: '  ', base: '  ' }), '[\n    {\n      "A": 1\n    }\n  ]');
});
