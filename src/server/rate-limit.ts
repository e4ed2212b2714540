/**
 * Per-client rate limits (client = source IP), one budget per surface shared by all its routes.
 * Management calls answer AWS's ThrottlingException (clients back off and retry); the webhooks are
 * unlimited by default: kube-apiserver is one client that must never be throttled by accident.
 * bench/ceiling-server.ts registers the same limiter, so the bench measures what serve runs.
 */
import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { eksError } from '../errors/aws-error.js';
import { WEBHOOK_PATH } from '../webhooks/plugin.js';

export type Surface = 'webhook' | 'management' | 'none';

const OPS_PATH = /^\/(healthz|readyz|metrics)$/;

export function surfaceOf(url: string): Surface {
  const path = url.split('?')[0] ?? '';
  if (OPS_PATH.test(path)) return 'none';
  return WEBHOOK_PATH.test(path) ? 'webhook' : 'management';
}

export interface RateLimits {
  /** Requests per second per client; 0: unlimited. */
  webhook: number;
  management: number;
  onExceeded?: (surface: Surface) => void;
}

export async function registerRateLimits(app: FastifyInstance, limits: RateLimits): Promise<void> {
  const limitOf = (surface: Surface) => (surface === 'webhook' ? limits.webhook : surface === 'management' ? limits.management : 0);
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: 10_000,
    keyGenerator: (req) => `${surfaceOf(req.url)}:${req.ip}`,
    max: (req) => Math.max(1, Math.round(limitOf(surfaceOf(req.url)) * 10)),
    allowList: (req) => limitOf(surfaceOf(req.url)) <= 0,
    ...(limits.onExceeded ? { onExceeded: (req: { url: string }) => limits.onExceeded?.(surfaceOf(req.url)) } : {}),
    // An AwsError, so every plugin's error handler renders it in its own protocol.
    errorResponseBuilder: (_req, ctx) => Object.assign(eksError.throttling(`Rate exceeded; retry in ${ctx.after}.`, Math.ceil(ctx.ttl / 1000)), { statusCode: 429 }),
  });
}
