/** Optional bearer-token protection of /metrics (`serve --metrics-token-file`). */
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export function readMetricsToken(file: string): string {
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 16) throw new Error(`--metrics-token-file ${file}: the token must be at least 16 characters`);
  return token;
}

export function bearerMatches(header: string | undefined, token: string): boolean {
  const want = Buffer.from(`Bearer ${token}`);
  const got = Buffer.from(typeof header === 'string' ? header.trim() : '');
  return got.length === want.length && timingSafeEqual(got, want);
}
