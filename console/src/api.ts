// Calls to Entryway's APIs from the console: the same routes the CLI and SDKs use (EKS rest-json,
// Entryway's /entryway/v1, IAM's query protocol), authenticated by the session cookie and the
// session's CSRF token. Nothing here decides what the user may do; the server answers that.

export interface Identity {
  arn: string;
  accountId: string;
  principalArn: string;
  kind: string;
  userName?: string;
  roleName?: string;
  sessionName?: string;
}

export interface SessionInfo {
  identity: Identity;
  csrfToken: string;
  expiresAt: number;
  region: string;
  partition: string;
}

/** An error as the API reported it: AWS error type and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

let csrf = '';
let onEnded: (message: string) => void = () => undefined;

export function setSession(s: SessionInfo | undefined): void {
  csrf = s?.csrfToken ?? '';
}
export function onSessionEnded(f: (message: string) => void): void {
  onEnded = f;
}

const SESSION_OVER = new Set(['UnrecognizedClientException', 'InvalidClientTokenId']);

async function request(method: string, path: string, body?: string, contentType?: string): Promise<Response> {
  const headers: Record<string, string> = { 'x-entryway-csrf': csrf, accept: 'application/json' };
  if (contentType) headers['content-type'] = contentType;
  return fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store', ...(body !== undefined ? { body } : {}) });
}

/** A JSON API call (EKS or Entryway); throws ApiError with the AWS error type and message. */
export async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await request(method, path, body === undefined ? undefined : JSON.stringify(body), body === undefined ? undefined : 'application/json');
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const code = (res.headers.get('x-amzn-errortype') ?? '').split(':')[0] || (parsed as { code?: string } | undefined)?.code || `HTTP ${res.status}`;
    const message = (parsed as { message?: string } | undefined)?.message ?? (text.slice(0, 500) || res.statusText);
    // A session that ended while in use (not "never signed in", which the sign-in page explains).
    if (SESSION_OVER.has(code) || code === 'SessionEnded') onEnded(message);
    throw new ApiError(res.status, code, message, parsed);
  }
  return parsed as T;
}

/**
 * An IAM query-protocol call. Entryway answers the query protocol in JSON when asked (as AWS does
 * for `Accept: application/json`): `{"<Action>Response": {"<Action>Result": …}}`.
 */
export async function iam<T = Record<string, unknown>>(action: string, params: Record<string, string> = {}): Promise<T> {
  const form = new URLSearchParams({ Action: action, Version: '2010-05-08', ...params });
  const res = await request('POST', '/', form.toString(), 'application/x-www-form-urlencoded; charset=utf-8');
  const text = await res.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const err = (body?.Error ?? (body?.ErrorResponse as { Error?: unknown } | undefined)?.Error) as { Code?: string; Message?: string } | undefined;
    const code = err?.Code ?? (res.headers.get('x-amzn-errortype') ?? '').split(':')[0] ?? `HTTP ${res.status}`;
    const message = err?.Message ?? (text.slice(0, 500) || res.statusText);
    if (SESSION_OVER.has(code)) onEnded(message);
    throw new ApiError(res.status, code || `HTTP ${res.status}`, message);
  }
  const result = (body?.[`${action}Response`] as Record<string, unknown> | undefined)?.[`${action}Result`];
  if (!result) throw new ApiError(res.status, 'InvalidResponse', `${action} answered without a ${action}Result.`);
  return result as T;
}

export interface IamPrincipal {
  arn: string;
  name: string;
  kind: 'user' | 'role';
}

/** Every IAM user and role of the signed-in account (ListUsers and ListRoles, all pages). */
export async function listIamPrincipals(): Promise<IamPrincipal[]> {
  const out: IamPrincipal[] = [];
  for (const [action, kind, listKey, nameKey] of [
    ['ListUsers', 'user', 'Users', 'UserName'],
    ['ListRoles', 'role', 'Roles', 'RoleName'],
  ] as const) {
    let marker: string | undefined;
    do {
      const r = await iam<Record<string, unknown>>(action, marker ? { Marker: marker } : {});
      for (const m of (r[listKey] as Record<string, string>[] | undefined) ?? []) if (m.Arn && m[nameKey]) out.push({ arn: m.Arn, name: m[nameKey]!, kind });
      marker = r.IsTruncated === true || r.IsTruncated === 'true' ? (r.Marker as string | undefined) : undefined;
    } while (marker);
  }
  return out;
}

/** Every page of an EKS list call. */
export async function listAll<T>(path: string, key: string): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await api<Record<string, unknown>>('GET', `${path}${token ? `${sep}nextToken=${encodeURIComponent(token)}` : ''}`);
    out.push(...((r[key] as T[] | undefined) ?? []));
    token = r.nextToken as string | undefined;
  } while (token);
  return out;
}

export const enc = encodeURIComponent;
export const clusterPath = (name: string) => `/clusters/${enc(name)}`;
export const entrywayCluster = (name: string) => `/entryway/v1/clusters/${enc(name)}`;

// ------------------------------------------------------------------ shapes (as the APIs return them)
export interface AccessScope {
  type: 'cluster' | 'namespace';
  namespaces?: string[];
}
export interface AssociatedPolicy {
  policyArn: string;
  accessScope: AccessScope;
  associatedAt: number;
  modifiedAt: number;
}
export interface AccessEntry {
  clusterName: string;
  principalArn: string;
  kubernetesGroups: string[];
  accessEntryArn: string;
  createdAt: number;
  modifiedAt: number;
  tags: Record<string, string>;
  username: string;
  type: string;
  associatedAccessPolicies?: AssociatedPolicy[];
  /** Entryway's own fields (ListAccessEntryDetails): epoch milliseconds, null when never used. */
  lastUsedAt?: number | null;
  lastUsedFrom?: string;
}
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
export interface AccessPolicyInfo {
  name: string;
  arn: string;
  description: string;
  rules: PolicyRule[];
  rulesDocumented: boolean;
  serviceLinkedRolesOnly: boolean;
  allowedScopes?: string[];
  mirrorsKubernetesClusterRole?: string;
}
export interface Cluster {
  name: string;
  arn: string;
  status: string;
  version?: string;
  endpoint?: string;
  createdAt?: number;
  roleArn?: string;
  accessConfig?: { authenticationMode?: string; bootstrapClusterCreatorAdminPermissions?: boolean };
  certificateAuthority?: { data?: string };
  tags?: Record<string, string>;
  platformVersion?: string;
}
export interface Update {
  id: string;
  status: string;
  type: string;
  params?: { type: string; value: string }[];
  createdAt?: number;
  errors?: { errorCode?: string; errorMessage?: string; resourceIds?: string[] }[];
}

let policyCache: Promise<AccessPolicyInfo[]> | undefined;
export function accessPolicies(): Promise<AccessPolicyInfo[]> {
  policyCache ??= api<{ accessPolicies: AccessPolicyInfo[] }>('GET', '/entryway/v1/access-policies').then((r) => r.accessPolicies);
  policyCache.catch(() => (policyCache = undefined));
  return policyCache;
}

export const policyName = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
/** How long ago an epoch-millisecond time was, in the largest whole unit ("3 days ago"). */
export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.floor((now - ms) / 1000));
  const [n, unit] = s < 60 ? [s, 'second'] : s < 3600 ? [Math.floor(s / 60), 'minute'] : s < 86_400 ? [Math.floor(s / 3600), 'hour'] : [Math.floor(s / 86_400), 'day'];
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}
export const fmtTime = (epochSeconds: number | undefined) => (epochSeconds === undefined ? '—' : new Date(epochSeconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
export const scopeText = (s: AccessScope) => (s.type === 'cluster' ? 'Cluster' : `Namespaces: ${(s.namespaces ?? []).join(', ')}`);

/** The modes in the only order EKS allows, and the next move from each. */
export const MODES = ['CONFIG_MAP', 'API_AND_CONFIG_MAP', 'API'] as const;
export function nextMode(mode: string | undefined): string | undefined {
  const i = MODES.indexOf((mode ?? 'CONFIG_MAP') as (typeof MODES)[number]);
  return i >= 0 && i < MODES.length - 1 ? MODES[i + 1] : undefined;
}

export const ENTRY_TYPES = ['STANDARD', 'EC2_LINUX', 'EC2_WINDOWS', 'FARGATE_LINUX', 'EC2', 'HYBRID_LINUX', 'HYPERPOD_LINUX'] as const;
