// results.json's text (Node-free: the web page writes the same file).

/** JSON.stringify with NaN and infinities as null (JSON has no NaN). */
export function toJson(value: unknown, indent = 1): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), indent);
}
