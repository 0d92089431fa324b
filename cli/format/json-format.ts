/**
 * Whether --format asks for JSON output, as podman 4.3 (containers/common report.IsJSON) decides:
 * "json", "{{json}}", "{{json.}}", "{{json .}}", "{{ json . }}" (Go's \s around each part). Such a
 * format prints the command's JSON (an array), never a template per row. Its own module so that
 * commands can ask without loading the template engine.
 */
const JSON_FORMAT_RE = /^[\t\n\f\r ]*(json|\{\{[\t\n\f\r ]*json[\t\n\f\r ]*\.?[\t\n\f\r ]*\}\})[\t\n\f\r ]*$/;

export function isJSONFormat(format: string): boolean {
  return JSON_FORMAT_RE.test(format);
}
