/**
 * Verified-token cache. Keys are HMAC-SHA256 of (cluster, token) under a random per-process key, so
 * tokens are never kept and the cache cannot be probed offline. Entries live no longer than the
 * token itself (X-Amz-Date + 15 min). Bounded: least recently used entries are evicted first.
 * Only the verified IAM identity is cached; the Kubernetes mapping is recomputed on every review,
 * so a deleted access entry stops its principal on the very next review.
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface CachedIdentity<T> {
  value: T;
  expiresAt: number;
}

export class TokenCache<T> {
  private readonly key = randomBytes(32);
  private readonly map = new Map<string, CachedIdentity<T>>();

  constructor(private readonly maxEntries = 50_000) {}

  keyOf(cluster: string, token: string): string {
    return createHmac('sha256', this.key).update(cluster).update('\u0000').update(token).digest('base64url');
  }

  get(k: string, now: number): T | undefined {
    const hit = this.map.get(k);
    if (!hit) return undefined;
    if (hit.expiresAt <= now) {
      this.map.delete(k);
      return undefined;
    }
    // Refresh recency (Map keeps insertion order).
    this.map.delete(k);
    this.map.set(k, hit);
    return hit.value;
  }

  set(k: string, value: T, expiresAt: number): void {
    this.map.delete(k);
    this.map.set(k, { value, expiresAt });
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
