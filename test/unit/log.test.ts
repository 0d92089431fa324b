import { test } from 'node:test';
import assert from 'node:assert/strict';
import { log, setLogLevel, setLogSink, logEnabled, parseLogLevel, formatLogLine, type LogLevel } from '../../src/log.js';

test('log: level filter as logrus (default warn), lazy messages, sink', () => {
  const lines: [LogLevel, string][] = [];
  setLogSink((l, m) => lines.push([l, m]));
  try {
    let built = 0;
    log.debug(() => {
      built++;
      return 'hidden';
    });
    log.info('hidden');
    log.warn('w1');
    log.error('e1');
    assert.equal(built, 0);
    setLogLevel('debug');
    assert.ok(logEnabled('debug') && !logEnabled('trace'));
    log.debug(() => {
      built++;
      return 'd1';
    });
    log.trace('hidden');
    setLogLevel('error');
    log.warn('hidden');
    log.error('e2');
    assert.equal(built, 1);
    assert.deepEqual(lines, [
      ['warn', 'w1'],
      ['error', 'e1'],
      ['debug', 'd1'],
      ['error', 'e2'],
    ]);
  } finally {
    setLogSink(undefined);
    setLogLevel('warn');
  }
});

test('log: level names and line format as podman prints them', () => {
  assert.equal(parseLogLevel('warning'), 'warn');
  assert.equal(parseLogLevel('panic'), 'panic');
  assert.equal(parseLogLevel('bogus'), undefined);
  assert.equal(parseLogLevel('toString'), undefined);
  const d = new Date(Date.UTC(2024, 4, 1, 10, 0, 0));
  assert.match(
    formatLogLine('warn', 'Failed, retrying in 1s ... (1/3). Error: x', false, d),
    /^time="2024-05-01T\d\d:00:00(Z|[+-]\d\d:\d\d)" level=warning msg="Failed, retrying in 1s ... \(1\/3\)\. Error: x"\n$/,
  );
  assert.match(formatLogLine('debug', 'plain-word/ok', false, d), / level=debug msg=plain-word\/ok\n$/);
  assert.match(formatLogLine('info', 'say "hi"\n', false, d), / msg="say \\"hi\\"\\n"\n$/);
  const coloured = formatLogLine('error', 'x', true);
  assert.match(coloured, /\[\d{4}\] x\n$/);
  assert.equal(coloured.replace(/\[\d{4}\]/, '[NNNN]'), '\u001b[31mERRO\u001b[0m[NNNN] x\n');
});
