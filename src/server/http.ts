/**
 * The HTTP base shared by every plugin: request bodies arrive as raw Buffers (SigV4 signs the exact
 * bytes, and each protocol parses its own format), every response carries an AWS-style request id,
 * and nothing a client sends can crash the process.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import Fastify, { LogController } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server as HttpServer, createServer as createHttpServer } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse, Http2Session } from 'node:http2';
import { constants as h2constants, createSecureServer } from 'node:http2';
import { restJsonError } from '../aws/error-tables.js';

/** A request on either protocol: HTTP/1.1 (node:http) or HTTP/2 (node:http2's compatibility API). */
export type AnyRequest = IncomingMessage | Http2ServerRequest;
export type AnyResponse = ServerResponse | Http2ServerResponse;

/**
 * HTTP/2 limits (docs/security.md, "Denial of service"). Streams per connection as Go's own h2
 * server allows (client-go, kube-apiserver's webhook client, keeps one connection and multiplexes);
 * header list as large as HTTP/1.1's 16 KiB header limit; a per-stream window that takes a
 * 1 MiB body in a few round trips; Node's default 10 MB of buffered data per session.
 */
export const H2_LIMITS = {
  maxConcurrentStreams: 250,
  maxHeaderListSize: 16 * 1024,
  maxHeaderListPairs: 128,
  initialWindowSize: 256 * 1024,
  maxSessionMemoryMb: 10,
} as const;

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
  fastPath?: (req: AnyRequest, res: AnyResponse) => boolean;
}

/**
 * The TLS listener: ALPN offers `h2` and `http/1.1` on the same port. HTTP/1.1 connections get
 * node:http's own limits (request and header timeouts, keep-alive, header size); HTTP/2 streams
 * get the same request deadline here, sessions idle for the keep-alive time are closed, and the
 * protocol limits are H2_LIMITS. `closeIdleConnections`/`closeAllConnections` (graceful shutdown)
 * cover both: HTTP/2 sessions get a GOAWAY and finish their open streams.
 */
function createTlsServer(
  tls: { key: string | Buffer; cert: string | Buffer },
  listener: (req: AnyRequest, res: AnyResponse) => void,
  o: { requestTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number },
) {
  const sessions = new Set<Http2Session>();
  const server = createSecureServer(
    {
      key: tls.key,
      cert: tls.cert,
      allowHTTP1: true,
      settings: { maxConcurrentStreams: H2_LIMITS.maxConcurrentStreams, maxHeaderListSize: H2_LIMITS.maxHeaderListSize, initialWindowSize: H2_LIMITS.initialWindowSize },
      maxHeaderListPairs: H2_LIMITS.maxHeaderListPairs,
      maxSessionMemory: H2_LIMITS.maxSessionMemoryMb,
    },
    (req: AnyRequest, res: AnyResponse) => {
      if (req.httpVersionMajor === 2 && h2Refused(req as Http2ServerRequest, res as Http2ServerResponse, o.requestTimeout)) return;
      listener(req, res);
    },
  );
  // node:http's limits, which the HTTP/1.1 side of an HTTP/2 server reads from it (it leaves
  // keepAliveTimeout unset, so without this an idle HTTP/1.1 socket would stay for ever).
  Object.assign(server, { requestTimeout: o.requestTimeout, headersTimeout: o.requestTimeout, keepAliveTimeout: o.keepAliveTimeout, connectionsCheckingInterval: o.connectionsCheckingInterval });
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    // An idle session is closed like an idle keep-alive socket (GOAWAY; open streams finish).
    session.setTimeout(o.keepAliveTimeout, () => session.close());
  });
  // http.Server's methods work on the HTTP/1.1 connections the HTTP/2 server tracks for it.
  const h1 = HttpServer.prototype as unknown as { closeIdleConnections(this: unknown): void; closeAllConnections(this: unknown): void };
  return Object.assign(server, {
    closeIdleConnections: () => {
      h1.closeIdleConnections.call(server);
      for (const s of sessions) s.close();
    },
    closeAllConnections: () => {
      h1.closeAllConnections.call(server);
      for (const s of sessions) s.destroy();
    },
  });
}

/**
 * Per HTTP/2 stream, what node:http does for HTTP/1.1: the header limit (Node's h2 server only
 * advertises SETTINGS_MAX_HEADER_LIST_SIZE; it accepts up to nghttp2's 64 KiB, so the limit is
 * counted here, names and values, and answered 431) and the request deadline (a body still
 * arriving when it passes is answered 408). Also `host` from `:authority`: presigned URLs sign
 * `host`, and h2 clients usually send only the pseudo-header. True when the stream was answered.
 */
function h2Refused(req: Http2ServerRequest, res: Http2ServerResponse, requestTimeout: number): boolean {
  let size = 0;
  for (const h of req.rawHeaders) size += Buffer.byteLength(h);
  if (size > H2_LIMITS.maxHeaderListSize) {
    res.writeHead(431, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: `The request headers are larger than the ${H2_LIMITS.maxHeaderListSize}-byte limit.` }));
    return true;
  }
  if (req.headers.host === undefined && typeof req.headers[':authority'] === 'string') req.headers.host = req.headers[':authority'];
  if (req.stream.endAfterHeaders || requestTimeout <= 0) return false;
  const timer = setTimeout(() => {
    if (res.headersSent || req.complete) return;
    res.writeHead(408, { 'content-type': 'application/json' });
    // Then RST_STREAM(NO_ERROR), RFC 9113 8.1: the client stops sending, and the handler that
    // waits for the body never sees it end (as HTTP/1.1 closes the socket after its 408).
    res.end(JSON.stringify({ message: 'The request did not arrive within the request timeout.' }), () => {
      if (!req.stream.destroyed) req.stream.close(h2constants.NGHTTP2_NO_ERROR);
    });
  }, requestTimeout);
  timer.unref();
  const clear = () => clearTimeout(timer);
  req.once('end', clear);
  res.once('close', clear);
  res.once('finish', clear);
  return false;
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
  // Fastify's types know one server kind; both kinds hand it node:http-compatible request objects.
  (base as { serverFactory?: unknown }).serverFactory = (handler: (req: AnyRequest, res: AnyResponse) => void) => {
    const fast = opts.fastPath;
    const listener = fast ? (req: AnyRequest, res: AnyResponse) => void (fast(req, res) || handler(req, res)) : handler;
    const connectionsCheckingInterval = opts.connectionsCheckingIntervalMs ?? 5_000;
    const keepAliveTimeout = opts.keepAliveTimeoutMs ?? 72_000;
    // Cleartext stays HTTP/1.1: kube-apiserver and the SDKs reach h2 through TLS (ALPN), and h2c
    // would need a second protocol detector on the same port for no client that asks for it.
    const server = https
      ? createTlsServer(https, listener, { requestTimeout, keepAliveTimeout, connectionsCheckingInterval })
      : createHttpServer({ connectionsCheckingInterval, requestTimeout, headersTimeout: requestTimeout }, listener as (req: IncomingMessage, res: ServerResponse) => void);
    if (!https) (server as HttpServer).keepAliveTimeout = keepAliveTimeout;
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
