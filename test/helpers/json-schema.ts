/**
 * A small JSON Schema (2020-12) validator for the keywords the repository's schemas use:
 * type, const, enum, properties, required, additionalProperties (false), items, oneOf, $ref to
 * "#/$defs/...", pattern, minimum. Anything else in a schema is an error, so a schema cannot
 * silently rely on a keyword this validator would ignore.
 */
type Schema = Record<string, unknown>;

const KNOWN = new Set([
  '$schema',
  '$id',
  '$defs',
  'title',
  'description',
  'type',
  'const',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'oneOf',
  '$ref',
  'pattern',
  'minimum',
]);

/** Problems of `value` against `schema` (empty when valid); `root` resolves $ref. */
export function validate(value: unknown, schema: Schema, root: Schema = schema, at = '$'): string[] {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`schema keyword ${k} at ${at} is not supported`);
  const errs: string[] = [];
  if (typeof schema.$ref === 'string') {
    const m = /^#\/\$defs\/(.+)$/.exec(schema.$ref);
    const target = m ? (root.$defs as Record<string, Schema> | undefined)?.[m[1]!] : undefined;
    if (!target) throw new Error(`unresolvable $ref ${schema.$ref}`);
    errs.push(...validate(value, target, root, at));
  }
  if (schema.type !== undefined && !typeOk(value, schema.type as string)) errs.push(`${at}: not of type ${String(schema.type)}`);
  if ('const' in schema && value !== schema.const) errs.push(`${at}: not ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    errs.push(`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  if (typeof schema.pattern === 'string' && typeof value === 'string' && !new RegExp(schema.pattern, 'u').test(value))
    errs.push(`${at}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum)
    errs.push(`${at}: ${value} < ${schema.minimum}`);
  if (isObject(value)) {
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in value)) errs.push(`${at}: missing ${r}`);
    for (const [k, v] of Object.entries(value)) {
      if (props[k]) errs.push(...validate(v, props[k], root, `${at}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${at}: unexpected property ${k}`);
    }
  }
  if (isObject(schema.items) && Array.isArray(value))
    value.forEach((v, i) => errs.push(...validate(v, schema.items as Schema, root, `${at}[${i}]`)));
  if (Array.isArray(schema.oneOf)) {
    const matching = (schema.oneOf as Schema[]).map((s) => validate(value, s, root, at));
    const ok = matching.filter((e) => e.length === 0).length;
    if (ok !== 1) errs.push(`${at}: matches ${ok} of oneOf (${matching.map((e) => e[0] ?? 'ok').join(' | ')})`);
  }
  return errs;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeOk(v: unknown, t: string): boolean {
  switch (t) {
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return Number.isInteger(v);
    case 'null':
      return v === null;
    default:
      throw new Error(`unsupported type ${t}`);
  }
}
