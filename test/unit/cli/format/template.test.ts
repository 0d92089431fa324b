import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileTemplate,
  renderTemplate,
  formatValue,
  goSprintf,
  goJSON,
  goQuote,
  BUILTIN_FUNCTIONS,
} from '../../../../cli/format/template.js';
import { BerthError } from '../../../../src/errors.js';

const r = (src: string, data?: unknown): string => renderTemplate(src, data);

/** Asserts that rendering fails with a one-line INVALID_ARGUMENT BerthError matching `re`. */
function fails(src: string, data: unknown, re: RegExp): BerthError {
  let caught: unknown;
  try {
    r(src, data);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof BerthError, `expected BerthError for ${src}, got ${String(caught)}`);
  assert.equal(caught.code, 'INVALID_ARGUMENT');
  assert.ok(!caught.message.includes('\n'), `message is one line: ${caught.message}`);
  assert.match(caught.message, /^template: /);
  assert.match(caught.message, re);
  return caught;
}

const img = {
  ID: 'sha256:4f1c5d9e0a7b',
  Repository: 'quay.io/berth/demo',
  Tag: 'latest',
  Size: 1234567,
  ReadOnly: false,
  Names: ['alpha', 'beta', 'gamma'],
  Labels: { maintainer: 'ops', 'org.opencontainers.image.version': '1.2' },
  Config: { Env: ['PATH=/bin'], User: '' },
};

// --- text, fields, dot ----------------------------------------------------------------

test('plain text passes through unchanged', () => {
  assert.equal(r('hello, world', img), 'hello, world');
  assert.equal(r('', img), '');
  assert.equal(r('a } b { c', img), 'a } b { c');
});

test('fields, nested fields and dot', () => {
  assert.equal(r('{{.Repository}}:{{.Tag}}', img), 'quay.io/berth/demo:latest');
  assert.equal(r('{{.Config.Env}}', img), '[PATH=/bin]');
  assert.equal(r('[{{.Config.User}}]', img), '[]');
  assert.equal(r('{{.}}', 'just a string'), 'just a string');
  assert.equal(r('{{ . }}', 42), '42');
  assert.equal(r('{{.}}', null), '<nil>');
  assert.equal(r('{{.}}', undefined), '<no value>');
});

test('map key access: present, missing, index function', () => {
  assert.equal(r('{{.Labels.maintainer}}', img), 'ops');
  assert.equal(r('{{.Labels.missing}}', img), '<no value>');
  assert.equal(r('{{index .Labels "org.opencontainers.image.version"}}', img), '1.2');
  assert.equal(r('[{{index .Labels "missing"}}]', img), '[]');
  assert.equal(r('{{index .Names 1}}', img), 'beta');
  assert.equal(
    r('{{index .Matrix 1 0}}', {
      Matrix: [
        [1, 2],
        [3, 4],
      ],
    }),
    '3',
  );
  assert.equal(r('{{index .S 1}}', { S: 'abc' }), '98');
  assert.equal(r('{{index .Names}}', img), '[alpha beta gamma]');
  // A JS Map and a null-prototype object behave like Go maps.
  const m = new Map<string, unknown>([['k', 'v']]);
  assert.equal(r('{{.M.k}}|{{.M.x}}|{{index .M "k"}}', { M: m }), 'v|<no value>|v');
  const n = Object.assign(Object.create(null) as Record<string, string>, { Upper: 'u' });
  assert.equal(r('{{.N.Upper}}|{{.N.Other}}', { N: n }), 'u|<no value>');
  // A nil (null) map yields nothing rather than an error.
  assert.equal(r('{{.L.foo}}|{{index .L "foo"}}|', { L: null }), '<no value>||');
});

test('class instances: getters and methods (with arguments)', () => {
  class Row {
    constructor(private readonly id: string) {}
    get ID(): string {
      return this.id.slice(0, 4);
    }
    Short(n: number): string {
      return this.id.slice(0, n);
    }
    Upper(): string {
      return this.id.toUpperCase();
    }
  }
  const row = new Row('abcdef');
  assert.equal(r('{{.ID}} {{.Short 2}} {{.Upper}} {{.Short 3 | printf "<%s>"}}', row), 'abcd ab ABCDEF <abc>');
  assert.equal(r('{{2 | .Short}}', row), 'ab');
});

// --- variables, pipelines, literals ----------------------------------------------------

test('variables: declare, assign, $ root, $var.Field', () => {
  assert.equal(r('{{$x := .Tag}}{{$x}}', img), 'latest');
  assert.equal(r('{{$x := 1}}{{$x = 2}}{{$x}}', img), '2');
  assert.equal(r('{{$c := .Config}}{{$c.Env}}', img), '[PATH=/bin]');
  assert.equal(r('{{range .Names}}{{$.Tag}}-{{.}} {{end}}', img), 'latest-alpha latest-beta latest-gamma ');
  assert.equal(r('{{$}}', 'root'), 'root');
  // Assignment inside a range is visible after it; declarations are scoped.
  assert.equal(r('{{$n := 0}}{{range .Names}}{{$n = .}}{{end}}{{$n}}', img), 'gamma');
  assert.equal(r('{{with $v := .Tag}}{{$v}}{{end}}', img), 'latest');
});

test('pipelines, function arguments and parenthesized expressions', () => {
  assert.equal(r('{{.Tag | upper}}', img), 'LATEST');
  assert.equal(r('{{.Tag | printf "%s-%s" "x"}}', img), 'x-latest');
  assert.equal(r('{{truncate .ID 10}}', img), 'sha256:4f1');
  assert.equal(r('{{upper (truncate .ID 6)}}', img), 'SHA256');
  assert.equal(r('{{(index .Names 2) | len}}', img), '5');
  assert.equal(r('{{(index .Items 0).Name}}', { Items: [{ Name: 'first' }] }), 'first');
  assert.equal(r('{{(.Config).User | len}}', img), '0');
});

test('literals: strings, raw strings, numbers, chars, bools, nil', () => {
  assert.equal(r('{{"a\\tb\\n\\"q\\" \\u00e9 \\x41 \\101"}}'), 'a\tb\n"q" é A A');
  assert.equal(r('{{`raw \\n {{ }}`}}'), 'raw \\n {{ }}');
  assert.equal(r('{{42}} {{-7}} {{0x1F}} {{0o17}} {{017}} {{0b101}} {{1_000}}'), '42 -7 31 15 15 5 1000');
  assert.equal(r('{{1.5}} {{.25}} {{2.0}} {{1e3}} {{0.00001}} {{123456.5}} {{1234567.5}}'), '1.5 0.25 2 1000 1e-05 123456.5 1.2345675e+06');
  assert.equal(r("{{'a'}} {{'\\n'}}"), '97 10');
  assert.equal(r('{{true}} {{false}}'), 'true false');
  assert.equal(r('{{print nil}}'), '<nil>');
});

// --- control structures ----------------------------------------------------------------

test('if / else if / else', () => {
  const t = compileTemplate('{{if eq .N 1}}one{{else if eq .N 2}}two{{else}}many{{end}}');
  assert.equal(t.execute({ N: 1 }), 'one');
  assert.equal(t.execute({ N: 2 }), 'two');
  assert.equal(t.execute({ N: 3 }), 'many');
  assert.equal(r('{{if .ReadOnly}}ro{{end}}|{{if not .ReadOnly}}rw{{end}}', img), '|rw');
});

test('truthiness follows Go', () => {
  const t = compileTemplate('{{if .}}T{{else}}F{{end}}');
  const cases: [unknown, string][] = [
    ['', 'F'],
    ['x', 'T'],
    [0, 'F'],
    [3, 'T'],
    [false, 'F'],
    [true, 'T'],
    [null, 'F'],
    [undefined, 'F'],
    [[], 'F'],
    [[0], 'T'],
    [{}, 'F'],
    [{ a: 1 }, 'T'],
    [new Map(), 'F'],
  ];
  for (const [v, want] of cases) assert.equal(t.execute(v), want, `truth of ${JSON.stringify(v)}`);
});

test('with / else / else with', () => {
  assert.equal(r('{{with .Config}}{{.Env}}{{end}}', img), '[PATH=/bin]');
  assert.equal(r('{{with .Config.User}}user={{.}}{{else}}root{{end}}', img), 'root');
  assert.equal(r('{{with .A}}a{{else with .B}}b={{.}}{{else}}none{{end}}', { A: '', B: 'bee' }), 'b=bee');
});

test('range over lists, maps, numbers, with else / break / continue', () => {
  assert.equal(r('{{range .Names}}<{{.}}>{{end}}', img), '<alpha><beta><gamma>');
  assert.equal(r('{{range $i, $e := .Names}}{{$i}}:{{$e}} {{end}}', img), '0:alpha 1:beta 2:gamma ');
  assert.equal(r('{{range $e := .Names}}{{$e}}{{end}}', img), 'alphabetagamma');
  // Map keys are visited in sorted order.
  assert.equal(r('{{range $k, $v := .}}{{$k}}={{$v}};{{end}}', { zeta: 1, alpha: 2, mid: 3 }), 'alpha=2;mid=3;zeta=1;');
  assert.equal(
    r(
      '{{range .}}{{.}}{{end}}',
      new Map([
        ['b', 2],
        ['a', 1],
      ]),
    ),
    '12',
  );
  assert.equal(r('{{range 3}}{{.}}{{end}}'), '012');
  assert.equal(r('{{range .}}x{{else}}empty{{end}}', []), 'empty');
  assert.equal(r('{{range .}}x{{else}}empty{{end}}', null), 'empty');
  assert.equal(r('{{range .Names}}{{if eq . "beta"}}{{break}}{{end}}{{.}}{{end}}', img), 'alpha');
  assert.equal(r('{{range .Names}}{{if eq . "beta"}}{{continue}}{{end}}{{.}}{{end}}', img), 'alphagamma');
  assert.equal(r('{{range .}}{{range .}}{{.}}{{end}};{{end}}', [[1, 2], [3]]), '12;3;');
});

test('trim markers remove adjacent whitespace', () => {
  assert.equal(r('a   {{- .Tag -}}   b', img), 'alatestb');
  assert.equal(r('a  {{- .Tag}}  b', img), 'alatest  b');
  assert.equal(r('a  {{.Tag -}}  \n b', img), 'a  latestb');
  assert.equal(r('{{range .Names -}}\n  {{.}}\n{{- end}}', img), 'alphabetagamma');
  // "-3" without a space is a number, not a trim marker.
  assert.equal(r('x {{-3}} y'), 'x -3 y');
});

test('comments produce nothing', () => {
  assert.equal(r('a{{/* a comment */}}b'), 'ab');
  assert.equal(r('a  {{- /* trimmed */ -}}  b'), 'ab');
});

test('define, template and block', () => {
  assert.equal(r('{{define "row"}}[{{.}}]{{end}}{{range .}}{{template "row" .}}{{end}}', ['a', 'b']), '[a][b]');
  assert.equal(r('{{block "b" .Tag}}<{{.}}>{{end}}', img), '<latest>');
  assert.deepEqual(compileTemplate('{{define "x"}}{{end}}').definedTemplates, ['x']);
});

// --- functions ---------------------------------------------------------------------------

test('comparison functions', () => {
  assert.equal(r('{{eq 1 1}} {{eq "a" "b"}} {{eq .Tag "x" "latest"}} {{ne 1 2}}', img), 'true false true true');
  assert.equal(r('{{lt 1 2}} {{le 2 2}} {{gt 1 2}} {{ge "b" "a"}} {{gt 2.5 1.5}}'), 'true true false true true');
  assert.equal(r('{{eq .Missing "x"}}', { Missing: null }), 'false');
  fails('{{eq 1 "1"}}', {}, /incompatible types for comparison/);
  fails('{{lt true false}}', {}, /invalid type for comparison/);
});

test('and / or / not return Go values and short-circuit', () => {
  assert.equal(r('{{and 1 "x" 0 "never"}}|{{and 1 "x"}}|{{or 0 "" "first" "second"}}|{{or 0 ""}}|'), '0|x|first||');
  assert.equal(r('{{not 0}} {{not "x"}}'), 'true false');
  // The second argument would fail; and/or must not evaluate it.
  assert.equal(r('{{or .A (index .B 5)}}', { A: 'ok', B: [] }), 'ok');
  assert.equal(r('{{and .A (index .B 5)}}', { A: '', B: [] }), '');
});

test('len, slice, call, html, js, urlquery', () => {
  assert.equal(r('{{len .Names}} {{len .Labels}} {{len "héllo"}} {{len .Nil}}', { ...img, Nil: null }), '3 2 6 0');
  assert.equal(r('{{slice .Names 1}} {{slice .Names 1 2}} {{slice "abcdef" 2 4}}', img), '[beta gamma] [beta] cd');
  assert.equal(r('{{call .F 2 3}}', { F: (a: number, b: number) => a * b }), '6');
  assert.equal(r(`{{html "<a href='x'>&\\"</a>"}}`), '&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;');
  assert.equal(r(`{{js "it's <b>\\"x\\"</b>=1"}}`), 'it\\\'s \\u003Cb\\u003E\\"x\\"\\u003C/b\\u003E\\u003D1');
  assert.equal(r('{{urlquery "a b&c=d/é"}}'), 'a+b%26c%3Dd%2F%C3%A9');
  fails('{{len 3}}', {}, /error calling len: len of type int/);
  fails('{{index .Names 7}}', img, /error calling index: index out of range: 7/);
});

test('print, println, printf', () => {
  assert.equal(r('{{print "a" "b" 1 2 "c" true}}'), 'ab1 2ctrue');
  assert.equal(r('{{println "a" 1 .Names}}', img), 'a 1 [alpha beta gamma]\n');
  assert.equal(r('{{printf "%s=%d" .Tag .Size}}', img), 'latest=1234567');
  assert.equal(
    r('{{printf "%v %q %x %X %5.1f|%-6s|%06d" .Names .Tag 255 "hi" 3.14159 "ab" 42}}', img),
    '[alpha beta gamma] "latest" ff 6869   3.1|ab    |000042',
  );
});

test('podman functions: join, json, lower, upper, title, pad, split, truncate', () => {
  assert.equal(r('{{join .Names ", "}}', img), 'alpha, beta, gamma');
  assert.equal(r('{{json .Names}}', img), '["alpha","beta","gamma"]');
  assert.equal(r('{{json .Labels}}', img), '{"maintainer":"ops","org.opencontainers.image.version":"1.2"}');
  assert.equal(r('{{json .}}', { A: '<b>&', B: null, C: 1.5 }), '{"A":"<b>&","B":null,"C":1.5}');
  assert.equal(r('{{json .Missing}}', new Map()), 'null');
  assert.equal(r('{{lower "MiXeD"}} {{upper "MiXeD"}} {{upper "straße"}}'), 'mixed MIXED STRAßE');
  assert.equal(r('{{title "hello wide-world of_go"}}'), 'Hello Wide-World Of_go');
  assert.equal(r('[{{pad "x" 2 3}}][{{pad "" 2 3}}]'), '[  x   ][]');
  assert.equal(r('{{split "a:b::c" ":"}} {{len (split "abc" "")}}'), '[a b  c] 3');
  assert.equal(r('{{truncate "abcdef" 3}} {{truncate "abc" 3}} {{truncate "ab" 3}} [{{truncate "abc" 0}}]'), 'abc abc ab []');
  for (const name of ['join', 'json', 'lower', 'pad', 'split', 'title', 'truncate', 'upper']) {
    assert.ok(BUILTIN_FUNCTIONS.includes(name), name);
  }
});

test('caller-supplied functions are available and may replace built-ins', () => {
  const t = compileTemplate('{{shout .}} {{upper .}}', {
    funcs: { shout: (s: string) => `${s}!`, upper: (s: string) => s.toLowerCase() },
  });
  assert.equal(t.execute('Hey'), 'Hey! hey');
});

// --- value printing --------------------------------------------------------------------

test('values print like Go %v', () => {
  assert.equal(formatValue('s'), 's');
  assert.equal(formatValue(12), '12');
  assert.equal(formatValue(-0.5), '-0.5');
  assert.equal(formatValue(1e21), '1000000000000000000000');
  assert.equal(formatValue(true), 'true');
  assert.equal(formatValue(null), '<nil>');
  assert.equal(formatValue(['a', 1, null, ['x']]), '[a 1 <nil> [x]]');
  assert.equal(formatValue({ b: 2, a: ['x', 'y'], c: { d: true } }), 'map[a:[x y] b:2 c:map[d:true]]');
  assert.equal(
    formatValue(
      new Map([
        [2, 'two'],
        [10, 'ten'],
      ]),
    ),
    'map[2:two 10:ten]',
  );
  assert.equal(formatValue(12345678901234567890n), '12345678901234567890');
  assert.equal(formatValue(Number.NaN), 'NaN');
  assert.equal(formatValue(-Infinity), '-Inf');
  class Ver {
    toString(): string {
      return 'v1.0';
    }
  }
  assert.equal(formatValue(new Ver()), 'v1.0');
});

test('goSprintf edge cases match Go', () => {
  assert.equal(goSprintf('%d %s', [1]), '1 %!s(MISSING)');
  assert.equal(goSprintf('%d', [1, 'x']), '1%!(EXTRA string=x)');
  assert.equal(goSprintf('%d', ['x']), '%!d(string=x)');
  assert.equal(goSprintf('%d', [1.5]), '%!d(float64=1.5)');
  assert.equal(goSprintf('%z', [1]), '%!z(int=1)');
  assert.equal(goSprintf('100%%', []), '100%');
  assert.equal(goSprintf('%', []), '%!(NOVERB)');
  assert.equal(goSprintf('%s|%v|%d', [null, null, null]), '%!s(<nil>)|<nil>|%!d(<nil>)');
  assert.equal(goSprintf('%t %v', [true, false]), 'true false');
  assert.equal(goSprintf('%5s|%-5s|%.2s|%05s', ['ab', 'ab', 'abc', 'ab']), '   ab|ab   |ab|000ab');
  assert.equal(goSprintf('%+d % d %x %X %o %#o %b %#x', [5, 5, -255, 255, 8, 8, 5, 255]), '+5  5 -ff FF 10 010 101 0xff');
  assert.equal(goSprintf('%c %U %q', [65, 0x1f600, 0x41]), "A U+1F600 'A'");
  assert.equal(
    goSprintf('%e %E %.3e %f %.0f %g %.3g %G', [1234.5678, 0.000123, 1234.5678, 1.5, 2.4, 1e-7, 1234.5678, 1e21]),
    '1.234568e+03 1.230000E-04 1.235e+03 1.500000 2 1e-07 1.23e+03 1E+21',
  );
  assert.equal(goSprintf('%8.3f|%-8.2f|%08.3f', [3.14159, 2.5, -3.14159]), '   3.142|2.50    |-003.142');
  assert.equal(goSprintf('%*d|%.*f', [5, 42, 1, 2.25]), '   42|2.2');
  // Exact ties round half to even, as Go does (JS toFixed would give 2.3, 1 and 3).
  assert.equal(goSprintf('%.1f %.0f %.0f %.0f %.2e %.3g', [0.25, 0.5, 1.5, 2.5, 1.125, 2.0625]), '0.2 0 2 2 1.12e+00 2.06');
  assert.equal(goSprintf('%.2f %.3f %f %e %g', [0.005, 1.0005, 0, 0, -0.0]), '0.01 1.000 0.000000 0.000000e+00 -0');
  assert.equal(goSprintf('%q', ['tab\there "q" é \u0001']), '"tab\\there \\"q\\" é \\x01"');
  assert.equal(goSprintf('%T %T %T %T %T %T', ['s', 1, 1.5, true, [1], null]), 'string int float64 bool []interface {} <nil>');
  assert.equal(goSprintf('%s', [['a', 'b']]), '[a b]');
  assert.equal(goSprintf('%x', ['hello']), '68656c6c6f');
  assert.equal(goQuote('a\nb'), '"a\\nb"');
});

test('goJSON: key order, escaping, indentation', () => {
  assert.equal(goJSON({ Z: 1, A: 2 }), '{"Z":1,"A":2}'); // struct-like: declaration order
  assert.equal(goJSON({ z: 1, a: 2, '10': 3, '9': 4 }), '{"10":3,"9":4,"a":2,"z":1}'); // map: sorted
  assert.equal(goJSON('<a&b>'), '"<a&b>"');
  assert.equal(goJSON('<a&b>', { escapeHTML: true }), '"\\u003ca\\u0026b\\u003e"');
  assert.equal(goJSON('line\u2028sep'), '"line\\u2028sep"');
  assert.equal(
    goJSON({ A: [1, { B: [] }], C: {} }, { indent: '  ' }),
    '{\n  "A": [\n    1,\n    {\n      "B": []\n    }\n  ],\n  "C": {}\n}',
  );
  assert.equal(
    goJSON(
      new Map([
        ['b', 1],
        ['a', undefined],
      ]),
    ),
    '{"b":1}',
  );
  assert.equal(goJSON(undefined), 'null');
});

// --- compile once, execute many -------------------------------------------------------

test('a compiled template can be executed many times', () => {
  const t = compileTemplate('{{.ID}}:{{len .Names}}');
  const out: string[] = [];
  for (let i = 0; i < 1000; i++) out.push(t.execute({ ID: i, Names: new Array(i % 3).fill('x') }));
  assert.equal(out[0], '0:0');
  assert.equal(out[998], '998:2');
  assert.equal(t.source, '{{.ID}}:{{len .Names}}');
});

// --- errors ----------------------------------------------------------------------------

test("unknown field: Go's words, with the place and the node", () => {
  const e = fails('{{.Repo}}', img, /can't evaluate field Repo/);
  assert.equal(e.message, 'template: :1:2: executing "" at <.Repo>: can\'t evaluate field Repo in type struct');
  assert.equal(e.data?.phase, 'execute');
  // a chain of fields is where its second field starts (Go's parser), columns count bytes from 0
  fails('{{.Config.Nope}}', img, /^template: :1:9: executing "" at <\.Config\.Nope>: can't evaluate field Nope in type struct$/);
  fails('{{.Tag.Foo}}', img, /can't evaluate field Foo in type string/);
  fails('{{.Names.Foo}}', img, /can't evaluate field Foo in type \[\]string/);
  fails('{{.Sizes.Foo}}', { Sizes: [1, 2] }, /can't evaluate field Foo in type \[\]interface \{\}/);
  fails('{{range .Names}}{{.X}}{{end}}', img, /can't evaluate field X in type string/);
  fails('é\n  {{.X}}', img, /^template: :2:4: executing "" at <\.X>/);
  // the template's name and the rows' Go type, as podman's
  const named = (src: string): string => {
    try {
      compileTemplate(src, { name: 'images', typeName: (v) => (v === img ? 'images.imageReporter' : undefined) }).execute(img);
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  assert.equal(
    named('{{.Repo}}'),
    'template: images:1:2: executing "images" at <.Repo>: can\'t evaluate field Repo in type images.imageReporter',
  );
  assert.equal(named('{{.ID'), 'template: images:1: unclosed action');
  // the node is cut to 20 characters
  assert.equal(named('{{.Tag | len 1}}'), 'template: images:1:9: executing "images" at <len>: wrong number of args for len: want 1 got 2');
  assert.match(
    named('{{slice .Tag 1 2 3 4 5 6 7 8}}'),
    /at <slice \.Tag 1 2 3 4 5\.\.\.>: error calling slice: too many slice indexes: 8$/,
  );
});

test("unknown function: a parse error in Go's words", () => {
  const e = fails('{{frobnicate .Tag}}', img, /function "frobnicate" not defined/);
  assert.equal(e.message, 'template: :1: function "frobnicate" not defined');
  assert.equal(e.data?.phase, 'parse');
  assert.equal(e.hint, undefined);
});

test('syntax errors are one-line BerthErrors', () => {
  fails('{{.Tag', img, /unclosed action/);
  fails('{{if .Tag}}x', img, /unexpected EOF/);
  fails('x{{end}}', img, /unexpected \{\{end\}\}/);
  fails('{{else}}', img, /unexpected \{\{else\}\}/);
  fails('{{"abc}}', img, /unterminated quoted string/);
  fails('{{`abc}}', img, /unterminated raw quoted string/);
  fails('{{$nope}}', img, /undefined variable "\$nope"/);
  fails('{{break}}', img, /\{\{break\}\} outside \{\{range\}\}/);
  fails('{{.Tag | "x"}}', img, /non executable command in pipeline stage 2/);
  fails('{{}}', img, /missing value for command/);
  fails('{{(.Tag}}', img, /unclosed left paren/);
  fails('{{.Tag)}}', img, /^template: :1: unexpected "\)" in command$/);
  fails('{{)}}', img, /^template: :1: unexpected "\)" in command$/);
  // a lexical error is reported where the parser meets it (Go's lexer emits it as an item)
  fails('{{range .}}{{json .ID}}{{{{end -}}', img, /^template: :1: unexpected "\{" in command$/);
  fails('{{range .}}{{.ID{{end -}}', img, /^template: :1: bad character U\+007B '\{'$/);
  fails('{{if .Tag}}\n\n', img, /^template: :3: unexpected EOF$/);
  fails('{{/* open', img, /unclosed comment/);
  fails('{{3x}}', img, /bad number syntax/);
  fails('{{.Tag #}}', img, /unexpected "#" in operand/);
  fails('line1\nline2 {{if}}', img, /^template: :2: missing value for if$/);
  fails(
    '{{define "x"}}{{end}}{{template "y"}}',
    img,
    /^template: :1:32: executing "" at <\{\{template "y"\}\}>: template "y" not defined$/,
  );
});

test('execution errors are one-line BerthErrors', () => {
  fails('{{truncate .Tag}}', img, /wrong number of args for truncate: want 2 got 1/);
  fails('{{.Tag 1}}', img, /Tag has arguments but cannot be invoked as function/);
  fails('{{1 | 2}}', img, /non executable command/);
  fails('{{nil}}', img, /nil is not a command/);
  fails('{{range .Tag}}{{end}}', img, /range can't iterate over latest/);
  fails('{{index .Fns 0}}', { Fns: [() => 1] }, /at <\{\{index \.Fns 0\}\}>: can't print \{\{index \.Fns 0\}\} of type func/);
  class Bomb {
    Boom(): string {
      throw new Error('kaput');
    }
  }
  fails('{{.Boom}}', new Bomb(), /at <\.Boom>: error calling Boom: kaput/);
  fails('{{.F}}', { F: () => 1 }, /at <\{\{\.F\}\}>: can't print \{\{\.F\}\} of type func/);
  fails('{{upper .Names}}', img, /error calling upper: wrong type for value; expected string; got \[\]string/);
});

test('pathological templates fail cleanly', () => {
  fails('{{define "a"}}x{{template "a"}}{{end}}{{template "a"}}', {}, /exceeded maximum template depth/);
  fails(`{{${'('.repeat(20000)}1${')'.repeat(20000)}}}`, {}, /max expression depth exceeded/);
  const cyclic: Record<string, unknown> = { A: 1 };
  cyclic.Self = cyclic;
  fails('{{json .}}', cyclic, /json: value nested too deeply/);
  assert.match(r('{{.}}', cyclic), /^map\[A:1 Self:map\[A:1 Self:map\[/);
});
