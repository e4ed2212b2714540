/**
 * The Kubernetes API subset kubectl 1.32 needs for `auth whoami`, `auth can-i` and
 * `auth can-i --list` against a cluster's Entryway endpoint (`<server>/k8s/<cluster>`, what
 * DescribeCluster returns): /version, legacy JSON discovery, and the three self-review APIs.
 * Only wiring lives here: decoding is request.ts/protobuf.ts, answers are review.ts, and the
 * bearer token goes through the same Authenticator as the TokenReview webhook.
 * Failures are Kubernetes `Status` objects; refusal details go to the log, never to the client.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator, AuthnOutcome } from '../authn/authenticator.js';
import type { ClusterSlice } from '../index/access-index.js';
import { AwsError } from '../errors/aws-error.js';
import { MAX_REVIEW_TOKEN_BYTES } from '../webhooks/tokenreview.js';
import type { KubernetesUser } from '../mapping/identity.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.js';
import type { ReviewKind, ReviewRequest } from './request.js';
import { attributesOf, MAX_REVIEW_BODY_BYTES, parseReviewRequest, ReviewRequestError } from './request.js';
import { decideAccess, rulesReview, userInfoOf } from './review.js';
import type { KubeStatus } from './status.js';
import { failure, NOT_FOUND, UNAUTHORIZED } from './status.js';

export interface KubeApiOptions {
  authenticator: Pick<Authenticator, 'authenticate'>;
  indexes: { clusters: { get(name: string): ClusterSlice | undefined } };
  now: () => number;
  /** `major.minor` reported by /version; default: the cluster's own version. */
  kubernetesVersion?: string;
  /** Counts each authentication on these endpoints (result, reason), like the TokenReview webhook's. */
  onAuthentication?: (result: string, reason: string) => void;
}

export const KUBE_API_PREFIX = '/k8s';

const SSR_VERSIONS = new Set(['v1', 'v1beta1', 'v1alpha1']);

function send(reply: FastifyReply, code: number, body: unknown): FastifyReply {
  return reply.code(code).header('content-type', 'application/json').header('cache-control', 'no-cache, private').send(JSON.stringify(body));
}

const sendStatus = (reply: FastifyReply, s: KubeStatus): FastifyReply => send(reply, s.code, s);

function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^bearer\s+(\S+)\s*$/i.exec(h);
  const token = m?.[1];
  return token && Buffer.byteLength(token) <= MAX_REVIEW_TOKEN_BYTES ? token : undefined;
}

function architecture(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

export async function kubeApiPlugin(app: FastifyInstance, o: KubeApiOptions): Promise<void> {
  await app.register(
    async (k) => {
      k.setErrorHandler((err: FastifyError, req, reply) => {
        if (err.statusCode === 413) return sendStatus(reply, failure(413, 'RequestEntityTooLarge', `the request body is larger than ${MAX_REVIEW_BODY_BYTES} bytes`));
        if (err.statusCode === 429) {
          // The rate limiter's refusal: kube-apiserver's own 429 shape, which kubectl and client-go retry.
          const retry = (err instanceof AwsError && Number(err.headers['retry-after'])) || 1;
          void reply.header('retry-after', String(retry));
          return sendStatus(reply, failure(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: retry }));
        }
        if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return sendStatus(reply, failure(400, 'BadRequest', 'the request could not be read'));
        req.log.error({ err }, 'kubernetes API request failed');
        return sendStatus(reply, failure(500, 'InternalError', 'an error on the server has prevented the request from succeeding'));
      });
      // kubectl get/apply/… against Entryway's endpoint: say what this endpoint is, and where to go.
      k.setNotFoundHandler((req, reply) => {
        const cluster = /^\/k8s\/([^/?]+)/.exec(req.url)?.[1];
        return sendStatus(
          reply,
          failure(
            404,
            'NotFound',
            `Entryway's endpoint${cluster ? ` for cluster ${decodeURIComponent(cluster).slice(0, 100)}` : ''} answers only the review APIs (kubectl auth whoami, auth can-i); run other commands against the cluster's own API server (entryway cluster settings --api-server-url URL makes DescribeCluster and update-kubeconfig point there)`,
          ),
        );
      });

      const sliceOf = (req: FastifyRequest, reply: FastifyReply): ClusterSlice | undefined => {
        const name = (req.params as { cluster: string }).cluster;
        const slice = o.indexes.clusters.get(name);
        if (!slice) void sendStatus(reply, failure(404, 'NotFound', `Entryway serves no cluster named ${JSON.stringify(name.slice(0, 100))}`));
        return slice;
      };

      /** Authenticates the caller, or answers the request with the failure and returns undefined. */
      const authenticate = async (req: FastifyRequest, reply: FastifyReply, slice: ClusterSlice): Promise<KubernetesUser | undefined> => {
        const token = bearerToken(req);
        if (token === undefined) {
          req.log.info({ cluster: slice.name }, 'kubernetes API: no usable bearer token');
          void sendStatus(reply, UNAUTHORIZED);
          return undefined;
        }
        const out: AuthnOutcome = await o.authenticator.authenticate(slice.name, token, { sourceIp: req.ip }).catch((err: unknown) => {
          req.log.error({ err, cluster: slice.name }, 'kubernetes API: token check failed');
          return { ok: false as const, kind: 'unavailable' as const, reason: 'internal_error', message: 'the token could not be checked' };
        });
        o.onAuthentication?.(out.ok ? 'authenticated' : out.kind, out.ok ? (out.cached ? 'cache_hit' : out.source) : out.reason);
        if (out.ok) {
          // Impersonation needs kube-apiserver's authorizer; answering for the caller instead would mislead.
          if (Object.keys(req.headers).some((h) => h.toLowerCase().startsWith('impersonate-'))) {
            void sendStatus(reply, failure(403, 'Forbidden', "impersonation is not supported on Entryway's endpoint: run this against the cluster's API server"));
            return undefined;
          }
          return out.user;
        }
        req.log.info({ cluster: slice.name, result: out.kind, reason: out.reason, detail: out.message }, 'kubernetes API: token refused');
        if (out.kind === 'throttled') void sendStatus(reply.header('retry-after', '1'), failure(429, 'TooManyRequests', 'too many requests, please try again later', { retryAfterSeconds: 1 }));
        else if (out.kind === 'unavailable') void sendStatus(reply, failure(503, 'ServiceUnavailable', 'the token could not be checked, please try again later'));
        else void sendStatus(reply, UNAUTHORIZED);
        return undefined;
      };

      // kube-apiserver serves /version to everyone (system:public-info-viewer).
      k.get('/:cluster/version', async (req, reply) => {
        const slice = sliceOf(req, reply);
        if (!slice) return reply;
        const [major = '1', minor = '0'] = (o.kubernetesVersion ?? slice.record.version).split('.');
        return send(reply, 200, {
          major,
          minor,
          gitVersion: `v${major}.${minor}.0-entryway`,
          gitCommit: '',
          gitTreeState: 'clean',
          buildDate: '1970-01-01T00:00:00Z',
          goVersion: '',
          compiler: 'entryway',
          platform: `${process.platform}/${architecture()}`,
        });
      });

      /** Discovery is for authenticated users (system:discovery), like kube-apiserver. */
      const discovery = (body: (req: FastifyRequest) => unknown) => async (req: FastifyRequest, reply: FastifyReply) => {
        const slice = sliceOf(req, reply);
        if (!slice || !(await authenticate(req, reply, slice))) return reply;
        const out = body(req);
        return out === undefined ? sendStatus(reply, NOT_FOUND) : send(reply, 200, out);
      };
      const params = (req: FastifyRequest) => req.params as { group: string; version: string };
      k.get('/:cluster/api', discovery(() => apiVersions()));
      k.get('/:cluster/apis', discovery(() => apiGroupList()));
      k.get('/:cluster/api/:version', discovery((req) => apiResourceList('', params(req).version)));
      k.get('/:cluster/apis/:group', discovery((req) => apiGroup(params(req).group)));
      k.get('/:cluster/apis/:group/:version', discovery((req) => apiResourceList(params(req).group, params(req).version)));

      const review = (kind: ReviewKind, group: string) => async (req: FastifyRequest, reply: FastifyReply) => {
        const slice = sliceOf(req, reply);
        if (!slice) return reply;
        const user = await authenticate(req, reply, slice);
        if (!user) return reply;
        const version = (req.params as { version?: string }).version ?? 'v1';
        const apiVersion = `${group}/${version}`;
        let parsed: ReviewRequest;
        try {
          parsed = parseReviewRequest(kind, apiVersion, req.headers['content-type'], Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
        } catch (e) {
          if (!(e instanceof ReviewRequestError)) throw e;
          req.log.info({ cluster: slice.name, kind, err: e.message }, 'kubernetes API: bad review request');
          return sendStatus(reply, failure(e.code, e.reason, e.message));
        }
        const head = { kind, apiVersion, metadata: { creationTimestamp: null } };
        const now = o.now();
        switch (parsed.kind) {
          case 'SelfSubjectReview':
            return send(reply, 201, { ...head, status: { userInfo: userInfoOf(user) } });
          case 'SelfSubjectAccessReview': {
            const v = decideAccess(slice, user, attributesOf(parsed.spec), now);
            return send(reply, 201, { ...head, spec: parsed.spec, status: { allowed: v.allowed, reason: v.reason } });
          }
          case 'SelfSubjectRulesReview':
            return send(reply, 201, { ...head, spec: parsed.spec, status: rulesReview(slice, user, parsed.spec.namespace, now) });
        }
      };
      const limits = { bodyLimit: MAX_REVIEW_BODY_BYTES };
      k.post('/:cluster/apis/authentication.k8s.io/:version/selfsubjectreviews', limits, async (req, reply) => {
        if (!SSR_VERSIONS.has((req.params as { version: string }).version)) return sendStatus(reply, NOT_FOUND);
        return review('SelfSubjectReview', 'authentication.k8s.io')(req, reply);
      });
      k.post('/:cluster/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', limits, review('SelfSubjectAccessReview', 'authorization.k8s.io'));
      k.post('/:cluster/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', limits, review('SelfSubjectRulesReview', 'authorization.k8s.io'));
      // The review resources are create-only: kube-apiserver answers any other verb with 405.
      for (const url of [
        '/:cluster/apis/authentication.k8s.io/:version/selfsubjectreviews',
        '/:cluster/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        '/:cluster/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
      ]) {
        k.route({
          method: ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
          url,
          handler: async (_req, reply) => sendStatus(reply.header('allow', 'POST'), failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')),
        });
      }
    },
    { prefix: KUBE_API_PREFIX },
  );
}
