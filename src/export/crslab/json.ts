/**
 * JSON as Python's `json.dump` lays it out (`, ` and `: ` separators), which is what CRSLab's
 * own files look like. Objects whose keys look like integers are written from entry lists:
 * a JavaScript object would move such keys to the front.
 */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** An object from ordered entries, keys written in the given order. */
export function pythonJsonObject(entries: Iterable<[string, unknown]>): string {
  const parts: string[] = [];
  for (const [k, v] of entries) parts.push(`${JSON.stringify(k)}: ${pythonJson(v)}`);
  return `{${parts.join(', ')}}`;
}
