/**
 * The web console's edge: the signed call that issues a sign-in link, the browser's session
 * (exchange a code for a cookie, read it, sign out), and the built front-end under /console/.
 *
 * Everything the console shows or changes goes through the same API routes the CLI uses (EKS,
 * Entryway, IAM), authenticated by the session cookie (session-auth.ts) — this plugin holds no
 * operation of its own beyond signing in and out.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManagementDeps } from '../aws/management-call.js';
import { handleManagementCall } from '../aws/management-call.js';
import { AwsError } from '../errors/aws-error.js';
import { createSignIn, endSession, exchangeSignIn } from '../iam/console-sessions.js';
import { auditEventOf } from '../ops/operation.js';
import type { OperationRequest } from '../ops/operation.js';
import type { Caller } from '../model/types.js';
import type { SessionLookup } from './session-auth.js';
import { CSRF_HEADER, SESSION_COOKIE, hasCsrfToken, isSigned } from './session-auth.js';

export interface ConsolePluginOptions extends ManagementDeps {
  lookup: SessionLookup;
  /** The server's public URL (the sign-in link points there). */
  publicUrl: () => string;
  sessionTtlMs: number;
  /** The built front-end (default: dist/console-ui of this package). */
  uiDir?: string;
}

/** Strict by default: only our own scripts and styles, no framing, no plugins, no inline code. */
export const CONSOLE_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), clipboard-read=()',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** dist/console-ui next to this package's package.json, from src/ (tsx) or dist/ alike. */
export function defaultUiDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'console-ui');
    dir = dirname(dir);
  }
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'console-ui');
}

/** The built files, read once: a few hundred kilobytes, served from memory. */
export function loadAssets(dir: string): Map<string, Asset> | undefined {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const out = new Map<string, Asset>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const body = readFileSync(p);
        out.set(relative(dir, p).split(sep).join('/'), { body, type: TYPES[extname(name)] ?? 'application/octet-stream', etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
      }
    }
  };
  walk(dir);
  return out;
}

function sessionCookie(value: string, maxAgeSeconds: number): string {
  // __Host-: Secure, Path=/, no Domain — the cookie cannot be set or shadowed by a sibling host.
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`;
}

const json = (reply: FastifyReply, status: number, body: unknown) => reply.code(status).header('content-type', 'application/json').header('cache-control', 'no-store').send(JSON.stringify(body));
const refuse = (reply: FastifyReply, status: number, code: string, message: string) => json(reply.header('x-amzn-errortype', code), status, { code, message });

/** `GET /` from a browser (no signature, asks for HTML) goes to the console. */
export function browserRedirect(req: FastifyRequest, reply: FastifyReply, done: () => void): void {
  const accept = req.headers.accept ?? '';
  if (req.method === 'GET' && req.raw.url === '/' && req.headers.authorization === undefined && accept.includes('text/html')) {
    void reply.redirect('/console/', 302);
    return;
  }
  done();
}

export async function consolePlugin(app: FastifyInstance, o: ConsolePluginOptions): Promise<void> {
  const assets = loadAssets(o.uiDir ?? defaultUiDir());

  // The signed call behind `entryway console`: a code for the caller's identity, minutes long.
  app.post('/entryway/v1/console/sign-in', (req, reply) =>
    handleManagementCall(req, reply, o, {
      service: 'entryway',
      operation: 'CreateConsoleSignIn',
      kind: 'write',
      authorization: () => ({ action: 'entryway:CreateConsoleSignIn', resource: '*' }),
      run: async (call, ctx) => {
        // A session must not mint sessions: it would outlive the credentials it came from.
        if (!isSigned(call.req.headers, (call.req.raw.url ?? '').split('?')[1] ?? '')) throw new AwsError('AccessDenied', 403, 'A console sign-in link is requested with AWS credentials (`entryway console`), not from a console session.');
        const r = await createSignIn(ctx.tx, call.caller, ctx.now, o.sessionTtlMs);
        ctx.audit.resource = call.caller.arn;
        ctx.audit.after = { signInExpiresAt: new Date(r.expiresAt).toISOString(), sessionExpiresAt: new Date(r.sessionExpiresAt).toISOString() };
        // The code travels in the fragment: browsers never send it to a server, so it stays out of access logs and Referer headers.
        const signInUrl = `${o.publicUrl()}/console/sign-in#code=${r.code}`;
        return { status: 200, body: { signInUrl, expiresAt: Math.floor(r.expiresAt / 1000), sessionExpiresAt: Math.floor(r.sessionExpiresAt / 1000) } };
      },
    }),
  );

  /** The record of a sign-in or sign-out: what it acted on is the caller itself. */
  const requestOf = (req: FastifyRequest, operation: string, caller: Caller | undefined, at: number, after?: unknown): OperationRequest => ({
    requestId: req.id,
    sourceIp: req.ip,
    at,
    service: 'entryway',
    operation,
    ...(caller ? { caller } : {}),
    note: { clusterName: null, resource: caller?.arn ?? null, ...(after !== undefined ? { after } : {}) },
  });
  const record = async (req: FastifyRequest, operation: string, caller: Caller | undefined, result: string, error?: string) => {
    await o.audit(auditEventOf(requestOf(req, operation, caller, o.now()), result, error)).catch(() => undefined);
  };

  // What the page shows of the caller (no access key ID: the page has no use for it).
  const identityOf = (s: { caller: Caller }) => ({
    arn: s.caller.arn,
    accountId: s.caller.accountId,
    principalArn: s.caller.principalArn,
    kind: s.caller.kind,
    ...(s.caller.userName ? { userName: s.caller.userName } : {}),
    ...(s.caller.roleName ? { roleName: s.caller.roleName } : {}),
    ...(s.caller.sessionName ? { sessionName: s.caller.sessionName } : {}),
  });

  app.get('/console/api/session', async (req, reply) => {
    const r = await o.lookup(req.headers);
    if (!r) return refuse(reply, 401, 'NotSignedIn', 'Not signed in. Run `entryway console` for a sign-in link.');
    if (!r.ok) return refuse(reply.header('set-cookie', sessionCookie('', 0)), 401, 'SessionEnded', r.message);
    return json(reply, 200, { identity: identityOf(r.session), csrfToken: r.session.csrfToken, expiresAt: Math.floor(r.session.expiresAt / 1000), region: o.region, partition: o.partition });
  });

  app.post('/console/api/session', async (req, reply) => {
    let code: unknown;
    try {
      code = (JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '{}') as { code?: unknown }).code;
    } catch {
      return refuse(reply, 400, 'InvalidRequest', 'The body must be JSON: {"code": "…"}.');
    }
    if (typeof code !== 'string') return refuse(reply, 400, 'InvalidRequest', 'The body must be JSON: {"code": "…"}.');
    const now = o.now();
    const r = await o.store.transaction(async (tx) => {
      const out = await exchangeSignIn(tx, code as string, now);
      if (out.ok) {
        const request = requestOf(req, 'ConsoleSignIn', out.session.caller, now, { expiresAt: new Date(out.session.expiresAt).toISOString() });
        await o.audit(auditEventOf(request, 'Success'), tx);
      }
      return out;
    });
    if (!r.ok) {
      await record(req, 'ConsoleSignIn', undefined, 'AccessDenied', r.message);
      return refuse(reply, 403, 'AccessDenied', r.message);
    }
    reply.header('set-cookie', sessionCookie(r.sessionId, (r.session.expiresAt - now) / 1000));
    return json(reply, 200, { identity: identityOf(r.session), csrfToken: r.session.csrfToken, expiresAt: Math.floor(r.session.expiresAt / 1000), region: o.region, partition: o.partition });
  });

  app.delete('/console/api/session', async (req, reply) => {
    const r = await o.lookup(req.headers);
    reply.header('set-cookie', sessionCookie('', 0));
    if (!r || !r.ok) return json(reply, 200, { signedOut: false });
    if (!hasCsrfToken(req.headers, r.session)) return refuse(reply, 403, 'AccessDenied', `Signing out needs the session's ${CSRF_HEADER} header.`);
    const ended = await o.store.transaction((tx) => endSession(tx, r.id));
    await record(req, 'ConsoleSignOut', r.session.caller, 'Success');
    return json(reply, 200, { signedOut: ended });
  });

  // The front-end. Every path under /console/ that is not a file is the app (its router decides).
  const serve = async (req: FastifyRequest, reply: FastifyReply) => {
    for (const [k, v] of Object.entries(CONSOLE_SECURITY_HEADERS)) reply.header(k, v);
    if (!assets) {
      return reply.code(503).header('content-type', 'text/plain; charset=utf-8').send('The console was not built. Run `npm run build` (it builds the console into dist/console-ui).\n');
    }
    const path = (req.raw.url ?? '').split('?')[0]!.replace(/^\/console\/?/, '');
    const file = path && !path.endsWith('/') ? assets.get(decodeURIComponentSafe(path)) : undefined;
    const isFile = file !== undefined;
    if (!isFile && path.startsWith('assets/')) return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('Not found\n');
    const a = file ?? assets.get('index.html')!;
    reply.header('content-type', a.type).header('etag', a.etag);
    // Hashed file names never change content; the page itself is always fetched fresh.
    reply.header('cache-control', isFile && path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-store');
    if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
    return reply.code(200).send(req.method === 'HEAD' ? undefined : a.body);
  };
  app.get('/console', (_req, reply) => reply.redirect('/console/', 301));
  app.get('/console/*', serve);
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
