/**
 * The webhooks as Fastify routes — used when a webhook rate limit is configured (the limiter is a
 * Fastify hook); otherwise server/http.ts answers them on the fast path ahead of Fastify. Both use
 * WebhookCore, so the answers are the same.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { WebhookAnswer, WebhookCore } from './core.js';
import { METHOD_NOT_ALLOWED } from './core.js';

export const WEBHOOK_PATH = /^\/clusters\/([^/?]+)\/(authenticate|authorize)$/;

function send(reply: FastifyReply, a: WebhookAnswer): string {
  reply.code(a.status).headers(a.headers);
  return a.body;
}

const OTHER_METHODS = ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * `reviews`: serve the POST routes here (a webhook rate limit is set); otherwise the fast path does.
 * Other methods are always answered here: 405 with `Allow: POST`.
 */
export async function webhooksPlugin(app: FastifyInstance, o: { core: WebhookCore; reviews: boolean }): Promise<void> {
  for (const url of ['/clusters/:name/authenticate', '/clusters/:name/authorize']) {
    app.route({ method: [...OTHER_METHODS], url, handler: async (_req, reply) => send(reply, METHOD_NOT_ALLOWED) });
  }
  if (!o.reviews) return;
  app.post('/clusters/:name/authenticate', async (req, reply) => {
    const cluster = (req.params as { name: string }).name;
    const body = Buffer.isBuffer(req.body) ? req.body : undefined;
    return send(reply, await o.core.tokenReview(cluster, req.headers.authorization, body, { requestId: req.id, ip: req.ip }));
  });
  app.post('/clusters/:name/authorize', async (req, reply) => {
    const cluster = (req.params as { name: string }).name;
    const body = Buffer.isBuffer(req.body) ? req.body : undefined;
    return send(reply, o.core.subjectAccessReview(cluster, req.headers.authorization, body, { requestId: req.id, ip: req.ip }));
  });
}
