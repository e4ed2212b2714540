/**
 * Opaque, keyset-based nextToken: it names the last key returned, so pages stay correct while items
 * are added or removed between calls. The token is bound to the list it came from; any token that
 * does not decode to one for this list is InvalidParameterException.
 */
import { eksError } from '../errors/aws-error.js';
import { hasControlCharacters } from '../rules/entry.js';

interface TokenBody {
  v: 1;
  l: string;
  a: string;
}

export function encodeNextToken(list: string, after: string): string {
  const body: TokenBody = { v: 1, l: list, a: after };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

export function decodeNextToken(list: string, token: unknown): string | undefined {
  if (token === undefined || token === null || token === '') return undefined;
  const bad = () => eksError.invalidParameter('The nextToken is not valid for this request.');
  if (typeof token !== 'string' || token.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(token)) throw bad();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const b = body as Partial<TokenBody>;
  if (!b || typeof b !== 'object' || b.v !== 1 || b.l !== list || typeof b.a !== 'string') throw bad();
  // Keys never contain control characters; a forged one must not reach the store (PostgreSQL refuses NUL).
  if (hasControlCharacters(b.a)) throw bad();
  return b.a;
}

/** maxResults: 1–100, default 100 (boxed integer in the model; the query string carries text). */
export function parseMaxResults(input: unknown, max = 100): number {
  if (input === undefined || input === null || input === '') return max;
  const s = String(input);
  if (!/^-?\d{1,9}$/.test(s)) throw eksError.invalidParameter(`maxResults must be an integer between 1 and ${max}.`);
  const n = Number(s);
  if (n < 1 || n > max) throw eksError.invalidParameter(`maxResults must be an integer between 1 and ${max}.`);
  return n;
}

/** Fetch limit+1 to know whether another page exists without a count query. */
export function page<T>(items: T[], limit: number, keyOf: (t: T) => string, list: string): { items: T[]; nextToken?: string } {
  if (items.length <= limit) return { items };
  const pageItems = items.slice(0, limit);
  return { items: pageItems, nextToken: encodeNextToken(list, keyOf(pageItems[pageItems.length - 1] as T)) };
}
