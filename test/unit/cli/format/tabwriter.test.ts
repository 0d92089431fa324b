import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tabwrite, TabWriter, TabwriterFlags, PODMAN_TABWRITER_OPTIONS, type TabwriterOptions } from '../../../../cli/format/tabwriter.js';

const sp = (n: number): string => ' '.repeat(n);
const opts = (minWidth: number, tabWidth: number, padding: number, padChar: string, flags = 0): TabwriterOptions => ({
  minWidth,
  tabWidth,
  padding,
  padChar,
  flags,
});

test('podman settings: minwidth 12, tabwidth 2, padding 2, space padding', () => {
  assert.deepEqual({ ...PODMAN_TABWRITER_OPTIONS }, { minWidth: 12, tabWidth: 2, padding: 2, padChar: ' ', flags: 0 });
});

test('columns are padded to max(minwidth, widest cell + padding)', () => {
  const input = 'NAME\tTAG\nalpine\tlatest\nquay.io/some/long-name\tv1\n';
  // widest cell is 22 runes → column width 24
  const want = `NAME${sp(20)}TAG\nalpine${sp(18)}latest\nquay.io/some/long-name${sp(2)}v1\n`;
  assert.equal(tabwrite(input), want);
});

test('narrow columns get the minimum width of 12', () => {
  assert.equal(tabwrite('a\tb\tc\nd\te\tf\n'), `a${sp(11)}b${sp(11)}c\nd${sp(11)}e${sp(11)}f\n`);
});

test('the last cell of a line is never padded; a trailing tab pads the previous one', () => {
  assert.equal(tabwrite('ab\tcd\n'), `ab${sp(10)}cd\n`);
  assert.equal(tabwrite('ab\tcd\t\n'), `ab${sp(10)}cd${sp(10)}\n`);
});

test('cells only align within contiguous lines that have the column', () => {
  const input = 'aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n';
  const want = 'aaaa bbb d\naa   b   dd\na    \naa   cccc eee\n';
  assert.equal(tabwrite(input, opts(0, 8, 1, ' ')), want);
});

test('a line without tabs breaks column blocks and passes through', () => {
  const input = 'x\ty\nplain line\nlonger-cell\tz\n';
  assert.equal(tabwrite(input, opts(0, 8, 1, '.')), 'x.y\nplain line\nlonger-cell.z\n');
  assert.equal(tabwrite('hello\nworld\n'), 'hello\nworld\n');
  assert.equal(tabwrite(''), '');
});

test('text after the last newline is kept without a newline', () => {
  assert.equal(tabwrite('a\tb'), `a${sp(11)}b`);
  assert.equal(tabwrite('a\tb\nc'), `a${sp(11)}b\nc`);
});

test('widths are counted in runes', () => {
  const input = 'é\tx\n日本語\ty\n😀\tz\n';
  assert.equal(tabwrite(input), `é${sp(11)}x\n日本語${sp(9)}y\n😀${sp(11)}z\n`);
});

test('padding character and minwidth 0', () => {
  assert.equal(tabwrite('a\tb\tc\naa\tbbb\tc\n', opts(0, 8, 1, '.')), 'a..b...c\naa.bbb.c\n');
  assert.equal(tabwrite('a\tb\nccc\td\n', opts(8, 8, 1, '-')), 'a-------b\nccc-----d\n');
});

test('AlignRight pads on the left', () => {
  assert.equal(tabwrite('a\tbbb\tc\nccc\td\te\n', opts(0, 0, 1, ' ', TabwriterFlags.AlignRight)), '   a bbbc\n ccc   de\n');
});

test('Debug prints a bar between columns', () => {
  assert.equal(tabwrite('a\tb\tc\nxx\ty\tz\n', opts(0, 8, 1, ' ', TabwriterFlags.Debug)), 'a  |b |c\nxx |y |z\n');
});

test('tab padding rounds the column to a multiple of the tab width', () => {
  assert.equal(tabwrite('a\tb\nccccccccc\td\n', opts(0, 8, 1, '\t')), 'a\t\tb\nccccccccc\td\n');
  // AlignRight is ignored when padding with tabs
  assert.equal(tabwrite('a\tb\n', opts(0, 4, 1, '\t', TabwriterFlags.AlignRight)), 'a\tb\n');
});

test('soft tabs and DiscardEmptyColumns', () => {
  const input = 'a\v\vc\nd\v\ve\n';
  assert.equal(tabwrite(input, opts(0, 8, 1, '.')), 'a..c\nd..e\n');
  assert.equal(tabwrite(input, opts(0, 8, 1, '.', TabwriterFlags.DiscardEmptyColumns)), 'a.c\nd.e\n');
  // Hard-tab columns are never discarded.
  assert.equal(tabwrite('a\t\tc\n', opts(0, 8, 1, '.', TabwriterFlags.DiscardEmptyColumns)), 'a..c\n');
});

test('TabIndent pads leading empty cells with tabs', () => {
  assert.equal(tabwrite('\ta\tb\n', opts(0, 8, 1, '.', TabwriterFlags.TabIndent)), '\ta.b\n');
  assert.equal(tabwrite('\ta\tb\n', opts(0, 8, 1, '.')), '.a.b\n');
});

test('a form feed ends all columns and prints as a newline', () => {
  const long = 'c'.repeat(16);
  assert.equal(tabwrite(`a\tb\n${long}\td\n`), `a${sp(17)}b\n${long}${sp(2)}d\n`);
  assert.equal(tabwrite(`a\tb\f${long}\td\n`), `a${sp(11)}b\n${long}${sp(2)}d\n`);
});

test('TabWriter buffers writes until flush, then resets', () => {
  const tw = new TabWriter();
  tw.write('ID\tNAME\n').write('0123456789abcdef\tx');
  tw.write('\n');
  assert.equal(tw.flush(), `ID${sp(16)}NAME\n0123456789abcdef${sp(2)}x\n`);
  assert.equal(tw.flush(), '');
  assert.equal(new TabWriter(opts(0, 8, 1, '*')).write('a\tb\n').flush(), 'a*b\n');
});

test('invalid options are rejected', () => {
  assert.throws(() => tabwrite('a', opts(-1, 0, 0, ' ')), RangeError);
  assert.throws(() => tabwrite('a', opts(0, 0, 0, '')), RangeError);
});
