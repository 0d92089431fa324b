/**
 * Public entry `berth/go`: Go-compatible values and encodings (podman prints Go's JSON, times,
 * sizes and quoting). Leaf modules only, so importing this entry costs almost nothing.
 */
export { goJSON, GoStruct, goMap, type GoJSONOptions } from './json.js';
export { GoTime, parseRFC3339, parseTimestampFilter } from './time.js';
export { humanDuration, humanSince, humanSize, humanSizeSpaced } from './units.js';
export { goQuote, quoteRune, isPrintRune } from './quote.js';
export { formatValue, goSprint, goSprintf, goSprintln, runeCount } from './fmt.js';
export { goTypeName, isArrayLike, isStringer, isStructLike, mapEntries, sortedKeys } from './value.js';
export { parseGoDuration } from './duration.js';
export { goErrnoText } from './errno.js';
