// Strict query-string decoding shared by SigV4 verification and the token parser. URLSearchParams
// never fails, which hides malformed input; this one does, like Go's url.ParseQuery.

export type QueryPairs = ReadonlyArray<readonly [string, string]>;

export type QueryParseResult = { ok: true; pairs: QueryPairs } | { ok: false; reason: string };

const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** Decodes one component: `+` is a space, every `%` must start a valid escape, bytes must be UTF-8. */
export function decodeComponent(s: string): string | undefined {
  if (!s.includes('%') && !s.includes('+')) return s;
  if (BAD_ESCAPE.test(s)) return undefined;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined; // invalid UTF-8
  }
}

/**
 * Splits on `&` (empty segments skipped), each segment at its first `=` (a bare key has value '').
 * `rejectSemicolon` mirrors Go ≥1.17, which refuses `;` as a separator instead of guessing.
 */
export function parseQuery(raw: string, opts: { rejectSemicolon?: boolean } = {}): QueryParseResult {
  const pairs: Array<readonly [string, string]> = [];
  if (raw === '') return { ok: true, pairs };
  for (const seg of raw.split('&')) {
    if (seg === '') continue;
    if (opts.rejectSemicolon && seg.includes(';')) return { ok: false, reason: 'invalid semicolon separator in query' };
    const eq = seg.indexOf('=');
    const k = decodeComponent(eq < 0 ? seg : seg.slice(0, eq));
    const v = eq < 0 ? '' : decodeComponent(seg.slice(eq + 1));
    if (k === undefined || v === undefined) return { ok: false, reason: `invalid escape in query segment` };
    pairs.push([k, v]);
  }
  return { ok: true, pairs };
}

/** RFC 3986 unreserved characters stay, everything else is %XX: the encoding SigV4 canonicalises to. */
export const encodeComponent = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export const formatQuery = (pairs: QueryPairs): string => pairs.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`).join('&');
