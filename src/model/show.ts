/**
 * A request value spelled for an error message. Never String() on decoded input: `{"toString":1}`
 * throws, a null-prototype object has no conversion at all, and a deeply nested array overflows the
 * stack. Strings are cut to `max` characters.
 */
export function showValue(v: unknown, max = 64): string {
  if (typeof v === 'string') return v.slice(0, max);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  return Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v;
}
