/**
 * Common failures of commands (missing arguments, a missing file, container or registry) in
 * podman 4.3.1's words, side by side with the real podman when it is installed.
 */
import assert from 'node:assert/strict';
import { wordsSuite, type WordsRow } from '../helpers/words.js';

const IMAGE = 'localhost/words/usage:1';

const ROWS: WordsRow[] = [
  { args: ['save'], first: 'Error: need at least 1 argument' },
  {
    args: ['import', '/nonexistent/rootfs.tar'],
    first: 'Error: error opening "/nonexistent/rootfs.tar": open /nonexistent/rootfs.tar: no such file or directory',
  },
  { args: ['load', '-i', '/nonexistent/image.tar'], first: 'Error: stat /nonexistent/image.tar: no such file or directory' },
  { args: ['import', '--change', 'ENV', '/nonexistent/rootfs.tar'], first: 'Error: invalid change "ENV" - must be formatted as KEY VALUE' },
  {
    args: ['import', '--change', 'foo bar', '/nonexistent/rootfs.tar'],
    first: 'Error: invalid change "foo bar" - invalid instruction FOO',
  },
  {
    args: ['import', '--change', 'EXPOSE abc', '/nonexistent/rootfs.tar'],
    first: 'Error: invalid change "EXPOSE abc" - EXPOSE port must be an integer: strconv.Atoi: parsing "abc": invalid syntax',
  },
  {
    args: ['import', '--change', 'EXPOSE 80/foo', '/nonexistent/rootfs.tar'],
    first: 'Error: invalid change "EXPOSE 80/foo" - EXPOSE protocol must be TCP or UDP',
  },
  { args: ['rm', 'nosuch'], first: 'Error: no container with name or ID "nosuch" found: no such container', code: 1 },
  // without a registry: the first unqualified-search registry, and the scratch registries.conf has none
  { args: ['login'], first: 'Error: no registries found in registries.conf, a registry must be provided' },
  { args: ['logout'], first: 'Error: no registries found in registries.conf, a registry must be provided' },
  { args: ['login', 'a', 'b'], first: 'Error: accepts at most 1 arg(s), received 2' },
  // podman's line exactly, no hint after it
  {
    args: ['pull', 'nosuch'],
    first: 'Error: short-name "nosuch" did not resolve to an alias and no unqualified-search registries are defined in "CONF"',
  },
];

// each side's scratch registries.conf reads as CONF
wordsSuite("common failures in podman's words", IMAGE, ROWS, (got, want) =>
  assert.equal(got.replace(/"[^"]*registries\.conf"/, '"CONF"'), want),
);
