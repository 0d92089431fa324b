import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  renderOutput,
  normalizeFormat,
  enforceRange,
  isJSONFormat,
  isTableFormat,
  splitCamelCase,
  headerForField,
  formatJSON,
  templateName,
  type RenderOutputOptions,
} from '../../../../cli/format/output.js';
import { BerthError } from '../../../../src/errors.js';

const sp = (n: number): string => ' '.repeat(n);

const rows = [
  {
    Repository: 'quay.io/berth/demo',
    Tag: 'latest',
    ID: '4f1c5d9e0a7b',
    CreatedSince: '2 weeks ago',
    Size: '82.4 kB',
    Labels: { version: '1' },
  },
  { Repository: 'docker.io/library/alpine', Tag: '3.19', ID: 'f10fc2e11057', CreatedSince: '3 months ago', Size: '7.6 MB', Labels: {} },
];

const base: RenderOutputOptions = {
  defaultTemplate: '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}',
  headers: { ID: 'IMAGE ID', CreatedSince: 'CREATED' },
};

const render = (format?: string, extra: Partial<RenderOutputOptions> = {}): string => renderOutput(rows, { ...base, format, ...extra });

// --- default output ----------------------------------------------------------------------

test('no --format: default template as an aligned table with headers', () => {
  const want =
    `REPOSITORY${sp(16)}TAG${sp(9)}IMAGE ID${sp(6)}CREATED${sp(7)}SIZE\n` +
    `quay.io/berth/demo${sp(8)}latest${sp(6)}4f1c5d9e0a7b${sp(2)}2 weeks ago${sp(3)}82.4 kB\n` +
    `docker.io/library/alpine${sp(2)}3.19${sp(8)}f10fc2e11057${sp(2)}3 months ago${sp(2)}7.6 MB\n`;
  assert.equal(render(), want);
  assert.equal(render(''), want, 'an empty --format counts as not given');
});

test('no --format with --noheading drops the header row', () => {
  const want =
    `quay.io/berth/demo${sp(8)}latest${sp(6)}4f1c5d9e0a7b${sp(2)}2 weeks ago${sp(3)}82.4 kB\n` +
    `docker.io/library/alpine${sp(2)}3.19${sp(8)}f10fc2e11057${sp(2)}3 months ago${sp(2)}7.6 MB\n`;
  assert.equal(render(undefined, { noHeading: true }), want);
});

test('no rows: the table prints only its header', () => {
  assert.equal(renderOutput([], base), `REPOSITORY${sp(2)}TAG${sp(9)}IMAGE ID${sp(4)}CREATED${sp(5)}SIZE\n`);
  assert.equal(renderOutput([], { ...base, format: '{{.ID}}' }), '');
  assert.equal(renderOutput([], { ...base, format: 'json' }), '[]\n');
});

test('a default template that ranges itself is used as is', () => {
  const out = renderOutput(rows, {
    ...base,
    defaultTemplate: '{{range . }}{{.Tag}}\t{{.ID}}\n{{end -}}',
  });
  assert.equal(out, `TAG${sp(9)}IMAGE ID\nlatest${sp(6)}4f1c5d9e0a7b\n3.19${sp(8)}f10fc2e11057\n`);
});

// --- table formats -------------------------------------------------------------------------

test('--format "table ...": spaces and literal \\t separate columns, headers from the map', () => {
  const want = `IMAGE ID${sp(6)}REPOSITORY\n4f1c5d9e0a7b${sp(2)}quay.io/berth/demo\nf10fc2e11057${sp(2)}docker.io/library/alpine\n`;
  assert.equal(render('table {{.ID}} {{.Repository}}'), want);
  assert.equal(render('table {{.ID}}\\t{{.Repository}}'), want);
  assert.equal(render('table {{.ID}}\t{{.Repository}}'), want);
  assert.equal(render('table {{ .ID }}\t{{.Repository}}\\n'), want);
});

test('table headers: overrides are upper-cased, other fields split at camel case', () => {
  const out = renderOutput(rows.slice(0, 1), {
    defaultTemplate: '',
    headers: { Tag: 'version' },
    format: 'table {{.Tag}}\t{{.CreatedSince}}\t{{.ID}}',
  });
  assert.equal(out, `VERSION${sp(5)}CREATED SINCE${sp(2)}ID\nlatest${sp(6)}2 weeks ago${sp(4)}4f1c5d9e0a7b\n`);
});

test('table with --noheading, and functions also apply to the header row (as in podman)', () => {
  assert.equal(render('table {{.Tag}}', { noHeading: true }), 'latest\n3.19\n');
  assert.equal(render('table {{truncate .ID 5}}\t{{.Tag | upper}}'), `IMAGE${sp(7)}TAG\n4f1c5${sp(7)}LATEST\nf10fc${sp(7)}3.19\n`);
  assert.equal(
    render('table {{if .Repository}}{{.Repository}}{{else}}<none>{{end}}'),
    'REPOSITORY\nquay.io/berth/demo\ndocker.io/library/alpine\n',
  );
});

// --- plain templates ------------------------------------------------------------------------

test('--format template: one rendering per row, newline appended, no header, no alignment', () => {
  assert.equal(render('{{.ID}}'), '4f1c5d9e0a7b\nf10fc2e11057\n');
  assert.equal(render('{{.ID}}\\t{{.Tag}}'), '4f1c5d9e0a7b\tlatest\nf10fc2e11057\t3.19\n');
  assert.equal(render('{{.ID}} {{.Tag}}'), '4f1c5d9e0a7b latest\nf10fc2e11057 3.19\n');
  assert.equal(render('{{.ID}}\n'), '4f1c5d9e0a7b\nf10fc2e11057\n');
  assert.equal(render('{{.ID}}\\n'), '4f1c5d9e0a7b\nf10fc2e11057\n');
  assert.equal(render('{{.ID}}\\n\\n'), '4f1c5d9e0a7b\n\nf10fc2e11057\n\n');
  assert.equal(render('{{.Labels.version}}'), '1\n<no value>\n');
  assert.equal(render('{{index .Labels "version"}}|'), '1|\n|\n');
});

test('--format with its own {{range .}} runs once over all rows', () => {
  assert.equal(render('{{range .}}{{.Tag}},{{end}}'), 'latest,3.19,\n');
  assert.equal(render('{{range .}}{{.Tag}}\n{{end -}}'), 'latest\n3.19\n');
  // Without a range of its own, the template sees one row at a time.
  assert.equal(render('{{len .Tag}}'), '6\n4\n');
});

test('a literal \\n inside a string literal falls back to the unmunged template', () => {
  // Turning \n into a newline inside "…" breaks parsing; podman then uses the raw text.
  assert.equal(render('{{printf "\\n"}}'), '\n\n');
  assert.equal(render('table {{printf "\\n"}}'), '\n\n\n');
});

test('{{json .}} is --format json (podman 4.3); {{json .Field}} prints each row as compact JSON', () => {
  const rows = [
    { ID: 'a', Names: ['x', '<y>'] },
    { ID: 'b', Names: [] },
  ];
  assert.equal(renderOutput(rows, { ...base, format: '{{json .}}' }), renderOutput(rows, { ...base, format: 'json' }));
  assert.equal(renderOutput(rows, { ...base, format: '{{.ID}} {{json .Names}}' }), 'a ["x","<y>"]\nb []\n');
  assert.equal(render('{{json .Labels}}'), '{"version":"1"}\n{}\n');
});

// --- JSON -----------------------------------------------------------------------------------

test('--format json: 4-space indented array like json.MarshalIndent, HTML-escaped', () => {
  const data = [{ ID: 'a1', Repository: '<none>', Size: 12, Names: ['x'], Labels: { b: '2', a: '1' }, Digest: null }];
  const want = [
    '[',
    '    {',
    '        "ID": "a1",',
    '        "Repository": "\\u003cnone\\u003e",',
    '        "Size": 12,',
    '        "Names": [',
    '            "x"',
    '        ],',
    '        "Labels": {',
    '            "a": "1",',
    '            "b": "2"',
    '        },',
    '        "Digest": null',
    '    }',
    ']',
    '',
  ].join('\n');
  assert.equal(renderOutput(data, { ...base, format: 'json' }), want);
  assert.equal(renderOutput(data, { ...base, format: ' {{ json }} ' }), want);
  assert.equal(renderOutput(data, { ...base, format: '{{json.}}' }), want);
  assert.equal(formatJSON(data), want);
});

test('--format json can print a different value than the table rows', () => {
  assert.equal(render('json', { json: { Id: 'x' } }), '{\n    "Id": "x"\n}\n');
});

// --- errors ---------------------------------------------------------------------------------

function renderError(format: string): BerthError {
  try {
    render(format);
  } catch (e) {
    assert.ok(e instanceof BerthError);
    assert.equal(e.code, 'INVALID_ARGUMENT');
    assert.ok(!e.message.includes('\n'));
    return e;
  }
  assert.fail(`no error for ${format}`);
}

test('unknown field, unknown function and bad syntax are one-line errors', () => {
  assert.equal(renderError('{{.Repo}}').message, 'template: :1:13: executing "" at <.Repo>: can\'t evaluate field Repo in type struct');
  assert.match(renderError('table {{.Nope}}').message, /can't evaluate field Nope/);
  const fn = renderError('{{shout .ID}}');
  assert.equal(fn.message, 'template: :1: function "shout" not defined');
  // as podman: the user's text is wrapped in {{range .}}...{{end -}}, so an unclosed action
  // meets the wrapper's "{"; when both parses fail, the error of the one without \n/\t munging
  // is reported, so lines count as typed
  assert.equal(renderError('{{.ID').message, "template: :1: bad character U+007B '{'");
  assert.match(renderError('{{if .ID}}x').message, /unexpected EOF/);
  assert.equal(renderError('a\\nb\\n{{if .ID}}').message, 'template: :1: unexpected EOF');
  assert.equal(renderError('table {{.ID').message, "template: :1: bad character U+007B '{'");
  assert.equal(
    renderError('{{.ID}}\n\n{{.Repo}}').message,
    'template: :3:2: executing "" at <.Repo>: can\'t evaluate field Repo in type struct',
  );
  // the command's name and row type, as podman's; `single` runs the template on one object, unwrapped
  const named = { ...base, name: 'images', rowType: 'images.imageReporter' };
  assert.throws(() => renderOutput(rows, { ...named, format: '{{.Repo}}' }), {
    message: 'template: images:1:13: executing "images" at <.Repo>: can\'t evaluate field Repo in type images.imageReporter',
  });
  const info = { ...base, name: 'info', rowType: '*define.Info', single: true };
  assert.throws(() => renderOutput(rows, { ...info, format: '{{.ID' }), { message: 'template: info:1: unclosed action' });
  assert.throws(() => renderOutput(rows, { ...info, format: '{{else}}' }), { message: 'template: info:1: unexpected {{else}}' });
  assert.throws(() => renderOutput(rows, { ...info, format: '{{.Repo}}' }), {
    message: 'template: info:1:2: executing "info" at <.Repo>: can\'t evaluate field Repo in type *define.Info',
  });
  assert.equal(renderOutput(rows.slice(0, 1), { ...info, format: '{{.Tag}}' }), `${rows[0]!.Tag}\n`);
  assert.equal(templateName('images'), 'images');
  assert.equal(templateName('image ls'), 'list');
  assert.equal(templateName('container list'), 'list');
  assert.equal(templateName('image inspect'), 'inspect');
  assert.match(renderError('{{.ID}} {{end}}').message, /unexpected \{\{end\}\}/);
  // An unknown field in the default template is reported too.
  assert.throws(() => renderOutput(rows, { ...base, defaultTemplate: '{{.Digest}}' }), /can't evaluate field Digest/);
});

// --- helpers --------------------------------------------------------------------------------

test('normalizeFormat follows report.NormalizeFormat', () => {
  assert.equal(normalizeFormat('{{.ID}}\t{{.ID}}'), '{{.ID}}\t{{.ID}}\n');
  assert.equal(normalizeFormat('{{.ID}}\\t{{.ID}}'), '{{.ID}}\t{{.ID}}\n');
  assert.equal(normalizeFormat('{{.ID}} {{.ID}}'), '{{.ID}} {{.ID}}\n');
  assert.equal(normalizeFormat('table {{.ID}}\\t{{.ID}}'), '{{.ID}}\t{{.ID}}\n');
  assert.equal(normalizeFormat('table {{.ID}} {{.ID}}'), '{{.ID}}\t{{.ID}}\n');
  assert.equal(normalizeFormat('{{.ID}}\\n'), '{{.ID}}\n');
});

test('enforceRange, isJSONFormat, isTableFormat', () => {
  assert.equal(enforceRange('{{.ID}}'), '{{range .}}{{.ID}}{{end -}}');
  assert.equal(enforceRange('{{range .}}{{.ID}}{{end}}'), '{{range .}}{{.ID}}{{end}}');
  assert.equal(enforceRange('{{ range . }}x{{ end -}}'), '{{ range . }}x{{ end -}}');
  // podman 4.3.1 prints JSON arrays for all of these (images, ps, history, inspect)
  for (const f of ['json', ' json ', '{{json}}', '{{ json }}', '{{json.}}', '{{ json. }}', '{{json .}}', '{{ json . }}', '{{json .  }}'])
    assert.ok(isJSONFormat(f), f);
  for (const f of ['JSON', 'jsonx', '{{.ID}}', '{{json .ID}}', '{{json . }}x']) assert.ok(!isJSONFormat(f), f);
  assert.ok(isTableFormat('table {{.ID}}'));
  assert.ok(!isTableFormat('table'));
  assert.ok(!isTableFormat('{{.ID}} table '));
});

test('header names come from camel-case field names', () => {
  const cases: [string, string[]][] = [
    ['', []],
    ['lowercase', ['lowercase']],
    ['MyClass', ['My', 'Class']],
    ['MyC', ['My', 'C']],
    ['HTML', ['HTML']],
    ['PDFLoader', ['PDF', 'Loader']],
    ['AString', ['A', 'String']],
    ['SimpleXMLParser', ['Simple', 'XML', 'Parser']],
    ['vimRPCPlugin', ['vim', 'RPC', 'Plugin']],
    ['GL11Version', ['GL', '11', 'Version']],
    ['99Bottles', ['99', 'Bottles']],
    ['BFG9000', ['BFG', '9000']],
  ];
  for (const [input, want] of cases) assert.deepEqual(splitCamelCase(input), want, input);
  assert.equal(headerForField('CreatedSince'), 'CREATED SINCE');
  assert.equal(headerForField('ReadOnly'), 'READ ONLY');
  assert.equal(headerForField('ID'), 'ID');
  assert.equal(headerForField('RepoDigests'), 'REPO DIGESTS');
});

test('large listings render quickly', () => {
  const many = Array.from({ length: 5000 }, (_, i) => ({
    Repository: `quay.io/org/image-${i}`,
    Tag: `v${i}`,
    ID: i.toString(16).padStart(12, '0'),
    CreatedSince: `${i} days ago`,
    Size: `${i} MB`,
  }));
  const start = process.hrtime.bigint();
  const out = renderOutput(many, base);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  assert.equal(out.split('\n').length, 5002);
  assert.ok(out.startsWith(`REPOSITORY${sp(14)}TAG${sp(9)}IMAGE ID`));
  assert.ok(out.endsWith(`quay.io/org/image-4999${sp(2)}v4999${sp(7)}000000001387${sp(2)}4999 days ago${sp(2)}4999 MB\n`));
  assert.ok(ms < 2000, `took ${ms} ms`);
});
