/**
 * --format templates that fail: podman's words (Go text/template's, with podman's template names
 * and row types), the first line of stderr and the exit code. Each row runs against berth and,
 * when podman is installed, against podman 4.3.1 with a scratch store holding the same imported
 * image; both must give the row's words.
 */
import assert from 'node:assert/strict';
import { wordsSuite, type WordsRow } from '../helpers/words.js';

const IMAGE = 'localhost/words/tpl:1';

const ROWS: WordsRow[] = [
  // a list command wraps the user's text in {{range .}}...{{end -}}: the wrapper's "{" is met first
  { args: ['images', '--format', '{{.ID'], first: "Error: template: images:1: bad character U+007B '{'" },
  { args: ['image', 'ls', '--format', '{{.ID'], first: "Error: template: list:1: bad character U+007B '{'" },
  { args: ['images', '--format', 'table {{.ID'], first: "Error: template: images:1: bad character U+007B '{'" },
  { args: ['images', '--format', '{{.ID}'], first: "Error: template: images:1: bad character U+007D '}'" },
  { args: ['images', '--format', '{{json .ID}}{{'], first: 'Error: template: images:1: unexpected "{" in command' },
  { args: ['images', '--format', '{{)}}'], first: 'Error: template: images:1: unexpected ")" in command' },
  { args: ['images', '--format', '{{foo .ID}}'], first: 'Error: template: images:1: function "foo" not defined' },
  { args: ['images', '--format', '{{if .ID}}'], first: 'Error: template: images:1: unexpected EOF' },
  // lines count as typed (a literal \n is not a new line in the error)
  { args: ['images', '--format', 'a\\nb\\n{{if .ID}}'], first: 'Error: template: images:1: unexpected EOF' },
  { args: ['images', '--format', '{{.ID}}{{end}}'], first: 'Error: template: images:1: unexpected {{end}}' },
  { args: ['images', '--format', '{{"abc}}'], first: 'Error: template: images:1: unterminated quoted string' },
  { args: ['images', '--format', '{{$x}}'], first: 'Error: template: images:1: undefined variable "$x"' },
  {
    args: ['images', '--format', '{{.Foo}}'],
    first: 'Error: template: images:1:13: executing "images" at <.Foo>: can\'t evaluate field Foo in type images.imageReporter',
  },
  {
    args: ['images', '--format', '{{.ID}}\\n\\n{{.Foo}}'],
    first: 'Error: template: images:3:2: executing "images" at <.Foo>: can\'t evaluate field Foo in type images.imageReporter',
  },
  {
    args: ['image', 'list', '--format', '{{.Names.Foo}}'],
    first: 'Error: template: list:1:19: executing "list" at <.Names.Foo>: can\'t evaluate field Foo in type []string',
  },
  {
    args: ['images', '--format', '{{range .ID}}{{end}}'],
    first: 'Error: template: images:1:19: executing "images" at <.ID>: range can\'t iterate over ID',
  },
  {
    args: ['images', '--format', '{{printf}}'],
    first: 'Error: template: images:1:13: executing "images" at <printf>: wrong number of args for printf: want at least 1 got 0',
  },
  {
    args: ['images', '--format', '{{len 3}}'],
    first: 'Error: template: images:1:13: executing "images" at <len 3>: error calling len: len of type int',
  },
  {
    args: ['images', '--format', '{{template "x"}}'],
    first: 'Error: template: images:1:22: executing "images" at <{{template "x"}}>: template "x" not defined',
  },
  {
    args: ['history', '--format', '{{.Foo}}', IMAGE],
    first: 'Error: template: history:1:13: executing "history" at <.Foo>: can\'t evaluate field Foo in type images.historyReporter',
  },
  { args: ['history', '--format', '{{.ID', IMAGE], first: "Error: template: history:1: bad character U+007B '{'" },
  // inspect: parse errors as the others, execution errors behind podman's prefix
  { args: ['inspect', '--format', '{{.ID', IMAGE], first: "Error: template: inspect:1: bad character U+007B '{'" },
  { args: ['image', 'inspect', '--format', '{{if .Id}}', IMAGE], first: 'Error: template: inspect:1: unexpected EOF' },
  {
    args: ['inspect', '--format', '{{.Foo}}', IMAGE],
    first:
      'Error: inspecting object: printing inspect output: template: inspect:1:13: executing "inspect" at <.Foo>: can\'t evaluate field Foo in type interface {}',
  },
  {
    args: ['image', 'inspect', '--format', '{{.History.Foo}}', IMAGE],
    first:
      'Error: inspecting object: printing inspect output: template: inspect:1:21: executing "inspect" at <.History.Foo>: can\'t evaluate field Foo in type ',
  },
  // info runs the template on one object, not over a list
  { args: ['info', '--format', '{{.ID'], first: 'Error: template: info:1: unclosed action' },
  { args: ['info', '--format', '{{else}}'], first: 'Error: template: info:1: unexpected {{else}}' },
  {
    args: ['info', '--format', '{{.Foo}}'],
    first: 'Error: template: info:1:2: executing "info" at <.Foo>: can\'t evaluate field Foo in type *define.Info',
  },
  {
    args: ['system', 'info', '--format', '{{.Host.Foo | json}}'],
    first: 'Error: template: info:1:7: executing "info" at <.Host.Foo>: can\'t evaluate field Foo in type ',
  },
  // version runs it on {Client}, and, when that fails, on the client block: the second's words
  { args: ['version', '--format', '{{.Client.Version'], first: 'Error: template: version:1: unclosed action' },
  {
    args: ['version', '--format', '{{.Nope}}'],
    first: 'Error: template: version:1:2: executing "version" at <.Nope>: can\'t evaluate field Nope in type *define.Version',
  },
  { args: ['ps', '--format', '{{.ID'], first: "Error: template: ps:1: bad character U+007B '{'" },
  { args: ['container', 'ls', '--format', '{{foo}}'], first: 'Error: template: list:1: function "foo" not defined' },
  {
    args: ['system', 'df', '--format', '{{.Foo}}'],
    first: 'Error: template: df:1:13: executing "df" at <.Foo>: can\'t evaluate field Foo in type *system.dfSummary',
  },
];

// image IDs read as ID; rows about a nested object end at "in type ": its Go type is podman's own
// (*define.HostInfo, []v1.History)
wordsSuite("template errors in podman's words", IMAGE, ROWS, (got, want) => {
  const line = got.replace(/\b[0-9a-f]{64}\b|\b[0-9a-f]{12}\b/g, 'ID');
  if (want.endsWith('in type ')) assert.ok(line.startsWith(want), line);
  else assert.equal(line, want);
});
