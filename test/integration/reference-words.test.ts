/**
 * Image names that do not parse, and the order of the checks: podman's words (docker/reference's,
 * go-digest's, libimage's), the first line of stderr and the exit code. Each row runs against berth
 * and, when podman is installed, against podman 4.3.1 with a scratch store holding the same
 * imported image; both must give the row's words. No row reaches a registry.
 */
import { wordsSuite, type WordsRow } from '../helpers/words.js';

const IMAGE = 'localhost/words/ref:1';

const H40 = 'a'.repeat(40);
const LONG = 'a'.repeat(300);

const ROWS: WordsRow[] = [
  // docker/reference's and go-digest's words, bare
  ...['pull', 'rmi', 'save', 'history', 'create', 'push', 'untag'].flatMap((cmd): WordsRow[] => [
    { args: [cmd, 'Bad:Ref'], first: 'Error: repository name must be lowercase' },
    { args: [cmd, 'bad!ref'], first: 'Error: invalid reference format' },
    { args: [cmd, ':tag'], first: 'Error: invalid reference format' },
    { args: [cmd, ''], first: 'Error: repository name must have at least one component' },
    { args: [cmd, 'x@sha256:abc'], first: 'Error: invalid reference format' },
    { args: [cmd, `x@sha256:${H40}`], first: 'Error: invalid checksum digest length' },
    { args: [cmd, `x@md5:${'a'.repeat(32)}`], first: 'Error: unsupported digest algorithm' },
    { args: [cmd, LONG], first: 'Error: repository name must not be more than 255 characters' },
  ]),
  { args: ['image', 'exists', 'Bad:Ref'], first: 'Error: repository name must be lowercase' },
  { args: ['manifest', 'exists', 'x@'], first: 'Error: invalid reference format' },
  { args: ['manifest', 'create', 'x@'], first: 'Error: normalizing name "x@": invalid reference format' },
  { args: ['image', 'inspect', 'Bad:Ref'], first: 'Error: inspecting object: repository name must be lowercase' },
  { args: ['image', 'inspect', ''], first: 'Error: inspecting object: repository name must have at least one component' },
  { args: ['inspect', IMAGE, ''], first: 'Error: name or ID cannot be empty' },
  // a new name: libimage's "normalizing name" comes twice
  {
    args: ['tag', IMAGE, 'Bad:Ref'],
    first: 'Error: normalizing name "Bad:Ref": normalizing name "Bad:Ref": repository name must be lowercase',
  },
  { args: ['untag', IMAGE, 'b:c:d'], first: 'Error: normalizing name "b:c:d": normalizing name "b:c:d": invalid reference format' },
  // the image is looked up first, then each name in turn
  { args: ['tag', 'nosuch', 'b:c:d'], first: 'Error: nosuch: image not known' },
  { args: ['untag', IMAGE, 'nosuch:1', 'b:c:d'], first: 'Error: localhost/nosuch:1: tag not known' },
];

wordsSuite("bad image names in podman's words", IMAGE, ROWS);
