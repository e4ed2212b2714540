/**
 * The ceilings: servers that read the request body and answer a fixed small JSON body — what a
 * Node process on this machine can do at best per request, before any routing, parsing or
 * deciding. Same keep-alive timeout and (for TLS) the same certificate as Entryway. Prints
 * {"port":N} on stdout when listening.
 *   node --import tsx bench/ceiling-server.ts http|https|http2|fastify|fastify-app [KEY.pem CERT.pem]
 * `fastify` is Entryway's own HTTP base (src/server/http.ts createBaseApp: Fastify, raw-body
 * parser, request IDs) over TLS with one route answering the fixed body: the framework's floor.
 * `fastify-app` adds what src/server/app.ts puts in front of every route: the pino logger (Fastify
 * makes a child logger per request), the global rate-limit hook (serve's own registerRateLimits),
 * and the async onSend hook that waits for the index to settle.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLogger } from '../src/server/app.js';
import { createBaseApp } from '../src/server/http.js';
import { registerRateLimits } from '../src/server/rate-limit.js';

const BODY = JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', status: { allowed: true, reason: 'ceiling' } });
const BODY_BYTES = Buffer.from(BODY);

const [mode = 'http', keyFile, certFile] = process.argv.slice(2);
const tls = keyFile && certFile ? { key: readFileSync(keyFile), cert: readFileSync(certFile) } : undefined;
const ready = (port: number) => process.stdout.write(JSON.stringify({ port }) + '\n');

if (mode === 'fastify' || mode === 'fastify-app') {
  // ENTRYWAY_BENCH_HOOKS (diagnostics) picks which of the app.ts additions to apply: logger,ratelimit,onsend.
  const hooks = new Set(mode === 'fastify-app' ? (process.env.ENTRYWAY_BENCH_HOOKS ?? 'logger,ratelimit,onsend').split(',') : []);
  const app = createBaseApp({ logger: hooks.has('logger') ? createLogger('warn') : false, ...(tls ? { https: tls } : {}) });
  // serve's own limiter (src/server/rate-limit.ts), as `serve --management-rate-limit 50` sets it.
  if (hooks.has('ratelimit')) await registerRateLimits(app, { webhook: 0, management: 50 });
  if (hooks.has('onsend')) {
    app.addHook('onSend', async (req) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') await Promise.all([Promise.resolve(), Promise.resolve()]);
    });
  }
  app.post('/clusters/:name/authorize', async (_req, reply) => {
    reply.header('content-type', 'application/json');
    return BODY;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  ready(typeof a === 'object' && a ? a.port : 0);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
} else {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY_BYTES.length });
      res.end(BODY_BYTES);
    });
  };
  // `http2`: node:http2's TLS server with HTTP/1.1 fallback, as Entryway's listener is built.
  const server =
    mode === 'http2' && tls
      ? http2.createSecureServer({ ...tls, allowHTTP1: true }, handler as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void)
      : mode === 'https' && tls
        ? https.createServer(tls, handler)
        : http.createServer(handler);
  (server as { keepAliveTimeout?: number }).keepAliveTimeout = 72_000;
  server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    ready(typeof a === 'object' && a ? a.port : 0);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
