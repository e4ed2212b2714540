/**
 * Bearer token → Kubernetes identity, for one cluster. Shared by the TokenReview webhook and the
 * kubectl review endpoints so both answer exactly the same.
 * k8s-aws-v1 tokens: strict checks (token/), then offline SigV4 verification for keys Entryway's
 * IAM issued, or (connected mode only) a replay to the real STS; then identity mapping per the
 * cluster's authentication mode (mapping/), from the in-memory index only.
 */
import { stripPath } from '../arn/index.js';
import { mapIdentity } from '../mapping/index.js';
import type { MapResult } from '../mapping/index.js';
import type { Identity, TokenConfig } from '../token/index.js';
import { TOKEN_PREFIX, parseToken, verifyTokenOffline, verifyTokenWithSts, StsThrottlingError } from '../token/index.js';
import type { Indexes } from '../index/indexes.js';
import type { ClusterSlice } from '../index/access-index.js';
import type { KubernetesUser } from '../mapping/identity.js';
import { credentialProblem, sessionTokenProblem } from '../rules/credentials.js';
import { TokenCache } from './token-cache.js';
import type { LastUseKind } from '../model/last-use.js';
import type { MappingSource } from '../mapping/identity.js';

export interface UseKey {
  kind: LastUseKind;
  key: string;
}

/** The last-use key of a mapping source (model/last-use.ts). */
export function useKeyOf(source: MappingSource): UseKey {
  switch (source.kind) {
    case 'access_entry':
      return { kind: 'entry', key: source.entry.principalArn };
    case 'aws_auth':
      return { kind: 'aws-auth', key: `${source.section}:${source.mapping.arn}` };
    case 'aws_auth_account':
      return { kind: 'aws-auth', key: `mapAccounts:${source.accountId}` };
    case 'cluster_creator':
      return { kind: 'creator', key: source.principalArn };
  }
}

export type AuthnOutcome =
  | {
      ok: true;
      user: KubernetesUser;
      identity: Identity | undefined;
      source: string;
      cached: boolean;
      /** The mapping that let the caller in (an entry, an aws-auth row, a provider): last use is recorded for it. */
      use?: UseKey;
    }
  | {
      ok: false;
      /** denied: a definite no. throttled: retry later (HTTP 429). unavailable: the check could not finish. */
      kind: 'denied' | 'throttled' | 'unavailable';
      /** Stable, low-cardinality label for metrics. */
      reason: string;
      message: string;
    };

/** Verifies OIDC ID tokens for a cluster (provided by oidc/; absent until configured). */
export interface JwtAuthenticator {
  authenticate(slice: ClusterSlice, token: string, now: number): Promise<AuthnOutcome | undefined>;
}

export interface AuthenticatorOptions {
  indexes: Indexes;
  now: () => number;
  /** Token checks; customStsHosts must include Entryway's own endpoint. */
  tokenConfig: () => Partial<TokenConfig>;
  /** Replay tokens for keys Entryway does not hold to the real STS. */
  connectedSts: boolean;
  stsTimeoutMs?: number;
  fetchImpl?: typeof fetch;
  cacheSize?: number;
  jwt?: JwtAuthenticator;
  onStsCall?: (stsRegion: string, outcome: string) => void;
  onCache?: (outcome: 'hit' | 'miss') => void;
  onStale?: (cluster: string, message: string) => void;
  /** Every successful authentication, with the mapping that let it in (last-use recording). */
  onUse?: (cluster: string, use: UseKey, at: number, sourceIp: string) => void;
}

interface VerifiedIdentity {
  identity: Identity;
  /** Offline: the key is re-checked on every hit (deactivation takes effect at once). */
  offline: boolean;
}

const deny = (reason: string, message: string): AuthnOutcome => ({ ok: false, kind: 'denied', reason, message });

export class Authenticator {
  private readonly cache: TokenCache<VerifiedIdentity>;

  constructor(private readonly o: AuthenticatorOptions) {
    this.cache = new TokenCache(o.cacheSize ?? 50_000);
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  /** `sourceIp`: where the review came from, recorded with the mapping's last use. */
  async authenticate(clusterName: string, token: string, meta: { sourceIp?: string } = {}): Promise<AuthnOutcome> {
    const out = await this.check(clusterName, token);
    if (out.ok && out.use) this.o.onUse?.(clusterName, out.use, this.o.now(), meta.sourceIp ?? '');
    return out;
  }

  private async check(clusterName: string, token: string): Promise<AuthnOutcome> {
    const now = this.o.now();
    const slice = this.o.indexes.clusters.get(clusterName);
    if (!slice) return deny('unknown_cluster', `cluster ${clusterName} is not known to Entryway`);
    if (!token.startsWith(TOKEN_PREFIX)) {
      if (this.o.jwt && token.split('.').length === 3) {
        const r = await this.o.jwt.authenticate(slice, token, now);
        if (r) return r;
      }
      return deny('bad_token', 'token is neither a k8s-aws-v1 token nor an ID token of an identity provider associated with this cluster');
    }
    const verified = await this.verify(clusterName, token, now);
    if (!verified.ok) return verified.outcome;
    const result = mapIdentity(verified.identity, slice.mappingView(now), {
      lookupPrivateDnsName: (id) => this.o.indexes.privateDnsName(id),
    });
    return this.fromMapping(slice, result, verified.identity, verified.cached);
  }

  private fromMapping(slice: ClusterSlice, r: MapResult, identity: Identity, cached: boolean): AuthnOutcome {
    if (r.ok) return { ok: true, user: r.user, identity, source: r.source.kind, cached, use: useKeyOf(r.source) };
    if (r.code === 'stale_entry' || r.code === 'arn_mismatch') this.o.onStale?.(slice.name, r.reason);
    return deny(r.code, r.reason);
  }

  private async verify(clusterName: string, token: string, now: number): Promise<{ ok: true; identity: Identity; cached: boolean } | { ok: false; outcome: AuthnOutcome }> {
    const key = this.cache.keyOf(clusterName, token);
    const hit = this.cache.get(key, now);
    if (hit && (!hit.offline || this.credentialStillValid(hit.identity.accessKeyId, now))) {
      this.o.onCache?.('hit');
      return { ok: true, identity: hit.identity, cached: true };
    }
    this.o.onCache?.('miss');
    const parsed = parseToken(token, new Date(now), this.o.tokenConfig());
    if (!parsed.ok) return { ok: false, outcome: deny(parsed.error.code, parsed.error.message) };
    const t = parsed.token;
    const expiresAt = t.date.getTime() + 15 * 60_000;
    const cred = this.o.indexes.credentials.get(t.accessKeyId);
    if (cred) {
      // The same rules as SigV4-signed API calls (rules/credentials.ts), including the constant-time token check.
      const state = credentialProblem(cred, now);
      if (state === 'inactive_key') return { ok: false, outcome: deny('inactive_key', `access key ${t.accessKeyId} is inactive`) };
      if (state === 'expired') return { ok: false, outcome: deny('expired_credentials', `the temporary credentials ${t.accessKeyId} have expired`) };
      const token = sessionTokenProblem(cred.kind === 'session' ? (cred.sessionToken ?? '') : undefined, t.securityToken);
      if (token === 'unexpected') return { ok: false, outcome: deny('bad_session_token', 'a security token was included for a long-term access key') };
      if (token) return { ok: false, outcome: deny('bad_session_token', 'the security token included in the token does not match the session') };
      const v = await verifyTokenOffline(t, clusterName, cred.secretAccessKey);
      if (!v.ok) return { ok: false, outcome: deny(v.error.code, `${v.error.message} (is the token for another cluster?)`) };
      const c = cred.caller;
      const identity: Identity = {
        arn: c.arn,
        canonicalArn: c.kind === 'user' ? c.principalArn : stripPath(c.principalArn),
        accountId: c.accountId,
        userId: c.principalId,
        sessionName: c.sessionName ?? '',
        accessKeyId: t.accessKeyId,
        stsEndpoint: t.host,
        principalKind: c.kind === 'user' ? 'USER' : 'ASSUMED_ROLE',
      } as Identity;
      this.cache.set(key, { identity, offline: true }, Math.min(expiresAt, cred.expiresAt ?? expiresAt));
      return { ok: true, identity, cached: false };
    }
    if (t.stsRegion === 'custom' || !this.o.connectedSts) {
      return {
        ok: false,
        outcome: deny(
          'unknown_key',
          this.o.connectedSts ? `access key ${t.accessKeyId} was not issued by Entryway` : `access key ${t.accessKeyId} was not issued by Entryway, and connected STS mode is off`,
        ),
      };
    }
    const r = await verifyTokenWithSts(token, {
      now: new Date(now),
      clusterId: clusterName,
      config: this.o.tokenConfig(),
      timeoutMs: this.o.stsTimeoutMs ?? 10_000,
      ...(this.o.fetchImpl ? { fetchImpl: this.o.fetchImpl } : {}),
    });
    if (!r.ok) {
      const err = r.error;
      this.o.onStsCall?.(t.stsRegion, err instanceof StsThrottlingError ? 'throttled' : err.code);
      if (err instanceof StsThrottlingError) return { ok: false, outcome: { ok: false, kind: 'throttled', reason: 'sts_throttled', message: err.message } };
      const unavailable = ['sts_unreachable', 'sts_timeout', 'sts_read_failed'].includes(err.code);
      return { ok: false, outcome: { ok: false, kind: unavailable ? 'unavailable' : 'denied', reason: err.code, message: err.message } };
    }
    this.o.onStsCall?.(t.stsRegion, 'ok');
    this.cache.set(key, { identity: r.identity, offline: false }, expiresAt);
    return { ok: true, identity: r.identity, cached: false };
  }

  private credentialStillValid(accessKeyId: string, now: number): boolean {
    const c = this.o.indexes.credentials.get(accessKeyId);
    return !!c && c.active && (c.expiresAt === undefined || c.expiresAt > now);
  }
}
