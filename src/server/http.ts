/**
 * The HTTP base shared by every plugin: request bodies arrive as raw Buffers (SigV4 signs the exact
 * bytes, and each protocol parses its own format), every response carries an AWS-style request id,
 * and nothing a client sends can crash the process.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import Fastify, { LogController } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { restJsonError } from '../aws/error-tables.js';

export interface BaseAppOptions {
  /** Maximum request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  logger?: FastifyServerOptions['loggerInstance'] | boolean;
  https?: { key: string | Buffer; cert: string | Buffer };
  /** Idle keep-alive connections are closed after this (default 72 s, above common LB idle timeouts). */
  keepAliveTimeoutMs?: number;
  /** A request (headers and body) must arrive within this (default 30 s); slower clients get 408. */
  requestTimeoutMs?: number;
  /** Open connections at most (default 10,000; 0 = no cap). Node closes any connection beyond it. */
  maxConnections?: number;
  /** How often the server looks for connections over those limits (default 5 s). */
  connectionsCheckingIntervalMs?: number;
  /**
   * Requests this returns true for are answered by it, before Fastify sees them (the webhooks: no
   * routing, hooks, logger or reply objects on the path kube-apiserver hits for every request).
   */
  fastPath?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export function createBaseApp(opts: BaseAppOptions = {}): FastifyInstance {
  const base: FastifyServerOptions & { https?: BaseAppOptions['https'] } = {
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    logController: new LogController({ disableRequestLogging: true }),
    // Principal ARNs travel URL-encoded in one path segment; the router's default cap is 100.
    routerOptions: { maxParamLength: 4096 },
    // Errors raised before routing (a path with invalid percent-encoding, …) answered AWS-style.
    frameworkErrors: (err, _req, reply) => {
      const e = restJsonError(err.statusCode ? err : Object.assign(err, { statusCode: 400 }));
      const r = reply as unknown as { code(n: number): typeof r; header(k: string, v: string): typeof r; send(b: string): unknown };
      void r.code(e.status).header('x-amzn-errortype', e.code).header('content-type', 'application/json').send(JSON.stringify({ message: e.message }));
    },
    // The default router decodes params; routes that need the raw form read req.raw.url.
    ...(opts.https ? { https: opts.https } : {}),
  };
  // Our own server, so every timeout is set here (Fastify would not expose them all).
  const https = opts.https;
  delete base.https;
  const requestTimeout = opts.requestTimeoutMs ?? 30_000;
  (base as FastifyServerOptions & { serverFactory: unknown }).serverFactory = (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
    const fast = opts.fastPath;
    const listener = fast ? (req: IncomingMessage, res: ServerResponse) => void (fast(req, res) || handler(req, res)) : handler;
    const serverOpts = { connectionsCheckingInterval: opts.connectionsCheckingIntervalMs ?? 5_000, requestTimeout, headersTimeout: requestTimeout };
    const server = https ? createHttpsServer({ ...serverOpts, key: https.key, cert: https.cert }, listener) : createHttpServer(serverOpts, listener);
    server.keepAliveTimeout = opts.keepAliveTimeoutMs ?? 72_000;
    // A bound on sockets: with the request timeout, one client cannot hold the process's file
    // descriptors (a slow-loris with many connections).
    const cap = opts.maxConnections ?? 10_000;
    if (cap > 0) server.maxConnections = cap;
    return server;
  };
  if (opts.logger && typeof opts.logger === 'object') (base as FastifyServerOptions).loggerInstance = opts.logger;
  else base.logger = opts.logger === true;
  const app = Fastify(base) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-amzn-requestid', req.id);
  });
  return app;
}
