import type { FastifyRequest } from 'fastify';
import type { RawRequest } from '../sigv4/index.js';

/** The request exactly as it came over the wire (path and query still encoded), for SigV4. */
export function rawRequestOf(req: FastifyRequest): RawRequest {
  const url = req.raw.url ?? '/';
  const q = url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  return {
    method: req.method,
    rawPath: q >= 0 ? url.slice(0, q) : url,
    rawQuery: q >= 0 ? url.slice(q + 1) : '',
    headers,
    body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
  };
}
