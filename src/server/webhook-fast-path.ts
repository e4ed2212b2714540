/**
 * Serves the webhooks straight from node:http(s), ahead of Fastify: POST
 * /clusters/{name}/authenticate|authorize with a JSON body up to the body limit. Everything else
 * (and everything when a webhook rate limit is configured) goes to Fastify.
 */
import { randomUUID } from 'node:crypto';
import type { AnyRequest, AnyResponse } from './http.js';
import type { WebhookAnswer, WebhookCore } from '../webhooks/core.js';
import { WEBHOOK_PATH } from '../webhooks/plugin.js';

function reply(res: AnyResponse, a: WebhookAnswer): void {
  // Already answered (an HTTP/2 stream past its request deadline got its 408).
  if (res.headersSent) return;
  res.writeHead(a.status, { ...a.headers, 'content-length': Buffer.byteLength(a.body) });
  res.end(a.body);
}

export function webhookFastPath(core: WebhookCore, bodyLimit: number): (req: AnyRequest, res: AnyResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'POST' || !req.url) return false;
    const m = WEBHOOK_PATH.exec(req.url);
    if (!m) return false;
    let cluster: string;
    try {
      cluster = decodeURIComponent(m[1] as string);
    } catch {
      return false; // Fastify answers the malformed path
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      if (tooLarge) return;
      size += c.length;
      if (size > bodyLimit) {
        tooLarge = true;
        // HTTP/1.1 closes the connection (the rest of the body is not read); HTTP/2 has no such
        // header: destroying the request resets just this stream.
        const close: Record<string, string> = req.httpVersionMajor === 2 ? {} : { connection: 'close' };
        reply(res, { status: 413, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'RequestEntityTooLargeException', ...close }, body: JSON.stringify({ message: `The request body is larger than the ${bodyLimit}-byte limit.` }) });
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (tooLarge) return;
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      const meta = { requestId: randomUUID(), ip: req.socket.remoteAddress ?? '-' };
      const auth = req.headers.authorization;
      if (m[2] === 'authorize') {
        reply(res, core.subjectAccessReview(cluster, auth, body, meta));
        return;
      }
      core.tokenReview(cluster, auth, body, meta).then(
        (a) => reply(res, a),
        () => reply(res, { status: 500, headers: { 'content-type': 'application/json' }, body: '{"message":"internal error"}' }),
      );
    });
    req.on('error', () => res.destroy());
    return true;
  };
}
