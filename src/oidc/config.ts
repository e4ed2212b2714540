/**
 * OIDC identity provider configs: input validation, limits, status by the clock, ARNs. Pure.
 *
 * Limits the botocore model states are enforced as such (requiredClaims key 1–63 / value 1–253,
 * tags). The others are Entryway's choices where EKS publishes nothing (marked UNCONFIRMED):
 * config names follow the cluster-name rules, claim names are 1–256 characters, prefixes 1–256,
 * clientId 1–1024, issuer URLs at most 2048, at most 10 required claims.
 */
import { randomUUID } from 'node:crypto';
import { eksError } from '../errors/aws-error.js';
import { validateTags } from '../rules/tags.js';
import type { OidcProviderRecord, Tags } from '../model/types.js';
import { showValue } from '../model/show.js';

/** Kubernetes ≥ 1.32: up to 10 providers per cluster; earlier versions: exactly one (EKS user guide). */
export const MAX_PROVIDERS = 10;
export const MAX_PROVIDERS_BEFORE_1_32 = 1;
/** Combined size of a cluster's provider configs (EKS: "less than 12 KB"). */
export const MAX_COMBINED_CONFIG_BYTES = 12 * 1024;
/** UNCONFIRMED: EKS points to its quota page, which lists no value. */
export const MAX_REQUIRED_CLAIMS = 10;
export const MAX_NAME_LENGTH = 100;
export const MAX_CLAIM_NAME_LENGTH = 256;
export const MAX_PREFIX_LENGTH = 256;
export const MAX_CLIENT_ID_LENGTH = 1024;
export const MAX_ISSUER_URL_LENGTH = 2048;

/** The JWS algorithms kube-apiserver accepts for OIDC (`--oidc-signing-algs`); RS256 is its default. */
export const SUPPORTED_SIGNING_ALGS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'] as const;
export type SigningAlg = (typeof SUPPORTED_SIGNING_ALGS)[number];
export const DEFAULT_SIGNING_ALGS: readonly SigningAlg[] = ['RS256'];

export const oidcMessages = {
  /** Real EKS text (eksctl issue #6293). */
  notFound: (cluster: string, name: string) => `No config found for cluster: ${cluster}, config type: oidc, config name: ${name}`,
  /** Real EKS text (terraform-aws-eks issue #3328). */
  sameAsClusterIssuer: 'Incorrect Identity Provider URL configuration. The Identity Provider URL cannot be same as OpenID Connect (OIDC) issuer URL',
  // The rest: wording UNCONFIRMED.
  onlyOidc: (type: string) => `The identity provider config type ${type} is not supported. The only type available is oidc.`,
  nameInUse: (cluster: string, name: string) => `An identity provider config named ${name} is already associated with cluster ${cluster}.`,
  issuerInUse: (cluster: string, issuer: string) =>
    `An identity provider config with issuerUrl ${issuer} is already associated with cluster ${cluster}. You can't associate the same provider more than once, even with a different clientId.`,
  tooMany: (cluster: string, version: string, limit: number) =>
    limit === 1
      ? `Cluster ${cluster} (Kubernetes ${version}) already has an identity provider config: only one can be associated before Kubernetes 1.32.`
      : `Cluster ${cluster} already has ${limit} identity provider configs, the maximum for Kubernetes ${version}.`,
  tooLarge: (cluster: string) => `The combined identity provider configs of cluster ${cluster} would exceed ${MAX_COMBINED_CONFIG_BYTES} bytes.`,
};

/** The validated `oidc` member of AssociateIdentityProviderConfig. */
export interface OidcConfigInput {
  name: string;
  issuerUrl: string;
  clientId: string;
  usernameClaim?: string;
  usernamePrefix?: string;
  groupsClaim?: string;
  groupsPrefix?: string;
  requiredClaims: Record<string, string>;
}

const NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]*$/;
const bad = (m: string) => eksError.invalidParameter(m);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateConfigName(v: unknown, field = 'identityProviderConfigName'): string {
  if (typeof v !== 'string' || v.length < 1 || v.length > MAX_NAME_LENGTH || !NAME.test(v)) {
    throw bad(`${field} must be 1 to ${MAX_NAME_LENGTH} characters, start with a letter or digit, and contain only letters, digits, hyphens and underscores.`);
  }
  return v;
}

/**
 * issuerUrl: https, a host, no userinfo, query or fragment (kube-apiserver's rules; EKS: "path
 * components are allowed but query parameters are not"). Kept verbatim: it must equal the tokens' `iss`.
 */
export function validateIssuerUrl(v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw bad('issuerUrl is required.');
  if (v.length > MAX_ISSUER_URL_LENGTH) throw bad(`issuerUrl must be at most ${MAX_ISSUER_URL_LENGTH} characters.`);
  if (!v.startsWith('https://')) throw bad('issuerUrl must begin with https://.');
  if (v.includes('?') || v.includes('#')) throw bad('issuerUrl must not contain a query or a fragment.');
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) throw bad('issuerUrl must not contain whitespace or control characters.');
  }
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw bad('issuerUrl is not a valid URL.');
  }
  if (u.username || u.password || v.slice(8).split('/')[0]?.includes('@')) throw bad('issuerUrl must not contain user information.');
  if (!u.hostname) throw bad('issuerUrl must name a host.');
  return v;
}

function optionalString(o: Record<string, unknown>, key: string, max: number): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length < 1 || v.length > max) throw bad(`${key} must be a string of 1 to ${max} characters.`);
  return v;
}

function prefix(o: Record<string, unknown>, key: 'usernamePrefix' | 'groupsPrefix'): string | undefined {
  const v = optionalString(o, key, MAX_PREFIX_LENGTH);
  if (v !== undefined && v.includes('system:')) throw bad(`${key} must not contain system:.`);
  return v;
}

function requiredClaims(v: unknown): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw bad('requiredClaims must be a map of claim names to values.');
  const entries = Object.entries(v);
  if (entries.length > MAX_REQUIRED_CLAIMS) throw bad(`requiredClaims can hold at most ${MAX_REQUIRED_CLAIMS} claims.`);
  const out: Record<string, string> = {};
  for (const [k, val] of entries) {
    if (k.length < 1 || k.length > 63) throw bad(`requiredClaims keys must be 1 to 63 characters: ${JSON.stringify(k.slice(0, 80))}.`);
    if (typeof val !== 'string' || val.length < 1 || val.length > 253) throw bad(`The value of required claim ${JSON.stringify(k)} must be a string of 1 to 253 characters.`);
    out[k] = val;
  }
  return out;
}

/** AssociateIdentityProviderConfig body → the config and tags, or InvalidParameterException. */
export function parseAssociateRequest(body: Record<string, unknown>): { config: OidcConfigInput; tags: Tags } {
  const o = body.oidc;
  if (o === undefined || o === null) throw bad('oidc is required: the only identity provider config type available is oidc.');
  if (!isObj(o)) throw bad('oidc must be an object.');
  const name = validateConfigName(o.identityProviderConfigName);
  const issuerUrl = validateIssuerUrl(o.issuerUrl);
  if (o.clientId === undefined || o.clientId === null || o.clientId === '') throw bad('clientId is required.');
  const clientId = optionalString(o, 'clientId', MAX_CLIENT_ID_LENGTH) as string;
  const usernameClaim = optionalString(o, 'usernameClaim', MAX_CLAIM_NAME_LENGTH);
  const groupsClaim = optionalString(o, 'groupsClaim', MAX_CLAIM_NAME_LENGTH);
  const usernamePrefix = prefix(o, 'usernamePrefix');
  const groupsPrefix = prefix(o, 'groupsPrefix');
  const config: OidcConfigInput = {
    name,
    issuerUrl,
    clientId,
    ...(usernameClaim !== undefined ? { usernameClaim } : {}),
    ...(usernamePrefix !== undefined ? { usernamePrefix } : {}),
    ...(groupsClaim !== undefined ? { groupsClaim } : {}),
    ...(groupsPrefix !== undefined ? { groupsPrefix } : {}),
    requiredClaims: requiredClaims(o.requiredClaims),
  };
  return { config, tags: validateTags(body.tags, bad) };
}

/** `identityProviderConfig: {type: 'oidc', name}` of Describe/Disassociate → the name. */
export function parseProviderRef(v: unknown): string {
  if (v === undefined || v === null) throw bad('identityProviderConfig is required.');
  if (!isObj(v)) throw bad('identityProviderConfig must be an object {type, name}.');
  if (v.type === undefined || v.type === null) throw bad('identityProviderConfig.type is required.');
  if (typeof v.type !== 'string' || v.type !== 'oidc') throw bad(oidcMessages.onlyOidc(showValue(v.type)));
  if (typeof v.name !== 'string' || v.name.length === 0) throw bad('identityProviderConfig.name is required.');
  return validateConfigName(v.name, 'identityProviderConfig.name');
}

/** How many providers a cluster of this Kubernetes version may have. */
export function providerLimit(version: string): number {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return MAX_PROVIDERS_BEFORE_1_32;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 1 || (major === 1 && minor >= 32) ? MAX_PROVIDERS : MAX_PROVIDERS_BEFORE_1_32;
}

export type ProviderStatus = 'CREATING' | 'ACTIVE' | 'DELETING' | 'GONE';

/** Association and disassociation are asynchronous updates: the status follows the clock. */
export function providerStatus(p: Pick<OidcProviderRecord, 'activeAt' | 'deletingAt'>, now: number): ProviderStatus {
  if (p.deletingAt !== undefined) return now < p.deletingAt ? 'DELETING' : 'GONE';
  return now < p.activeAt ? 'CREATING' : 'ACTIVE';
}

/**
 * Whether the provider's tokens are accepted at `now`: from the end of the association update until
 * the end of the disassociation update (EKS reconfigures the API server when the update completes).
 */
export function providerAccepts(p: Pick<OidcProviderRecord, 'activeAt' | 'deletingAt'>, now: number): boolean {
  const s = providerStatus(p, now);
  return s === 'ACTIVE' || s === 'DELETING';
}

export function identityProviderConfigArn(partition: string, region: string, accountId: string, cluster: string, name: string, uuid: string = randomUUID()): string {
  return `arn:${partition}:eks:${region}:${accountId}:identityproviderconfig/${cluster}/oidc/${name}/${uuid}`;
}

/** The cluster's own (service-account) issuer, as DescribeCluster reports it in identity.oidc.issuer. */
export function clusterOwnIssuer(region: string, clusterId: string): string {
  return `https://oidc.eks.${region}.amazonaws.com/id/${clusterId.replace(/-/g, '').toUpperCase()}`;
}

/** Bytes a config adds to the API server configuration (for the 12 KB combined limit). */
export function configBytes(c: Pick<OidcProviderRecord, 'issuerUrl' | 'clientId' | 'usernameClaim' | 'usernamePrefix' | 'groupsClaim' | 'groupsPrefix' | 'requiredClaims'>): number {
  const { issuerUrl, clientId, usernameClaim, usernamePrefix, groupsClaim, groupsPrefix, requiredClaims: rc } = c;
  return Buffer.byteLength(JSON.stringify({ issuerUrl, clientId, usernameClaim, usernamePrefix, groupsClaim, groupsPrefix, requiredClaims: rc }));
}

/** `--oidc-signing-algs RS256,ES256` → the list; anything else (HS*, none, EdDSA) is an error. */
export function parseSigningAlgs(input: string | readonly string[]): SigningAlg[] {
  const list = (typeof input === 'string' ? input.split(',') : [...input]).map((s) => s.trim()).filter((s) => s.length > 0);
  if (list.length === 0) throw new Error('--oidc-signing-algs needs at least one algorithm');
  for (const a of list) {
    if (!(SUPPORTED_SIGNING_ALGS as readonly string[]).includes(a)) {
      throw new Error(`unsupported OIDC signing algorithm ${JSON.stringify(a.slice(0, 32))}: use ${SUPPORTED_SIGNING_ALGS.join(', ')}`);
    }
  }
  return [...new Set(list)] as SigningAlg[];
}
