/** Route types and the input readers Entryway's API routes share. */
import { eksError } from '../errors/aws-error.js';
import type { ManagementDeps, ParsedCall } from '../aws/management-call.js';
import type { OpContext } from '../ops/context.js';
import type { Indexes } from '../index/indexes.js';
import type { LastUseRecorder } from '../authn/last-use.js';
import type { RequestAttributes } from '../policy/engine.js';

export interface EntrywayApiOptions extends ManagementDeps {
  indexes: Indexes;
  /** What `entryway kubeconfig webhooks` needs: URLs, CA and the webhook bearer token. */
  webhookConfig: () => { url: string; ca?: string; token: string; oidcCa?: string };
  /** Last uses of mappings (absent: nothing is recorded, every mapping shows as never used). */
  lastUse?: LastUseRecorder;
  /** A mapping not used for longer is reported unused by doctor (serve --unused-after). */
  unusedAfterMs?: number;
}

export interface EntrywayCall extends ParsedCall {
  ctx: OpContext;
  o: EntrywayApiOptions;
}

export interface EntrywayRoute {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  url: string;
  operation: string;
  /** write: one transaction around run; read: a read snapshot; steps: run commits its own transactions. */
  kind: 'read' | 'write' | 'steps';
  /** IAM resource: the cluster ARN for cluster routes, `*` otherwise. */
  clusterScoped: boolean;
  /** A larger request body than the server's default (RBAC documents). */
  bodyLimit?: number;
  /** Returns the response body, or {status, body} to answer a non-200 after committing. */
  run: (call: EntrywayCall) => Promise<Record<string, unknown> | { status: number; body: Record<string, unknown> }>;
}

export function optionalStr(v: unknown, what: string, max = 4096): string | undefined {
  return v === undefined || v === null ? undefined : str(v, what, max);
}

export function strList(v: unknown, what: string, max = 100): string[] {
  if (!Array.isArray(v) || v.length > max || v.some((x) => typeof x !== 'string' || x.length === 0 || x.length > 256)) {
    throw eksError.invalidParameter(`${what} must be a list of at most ${max} non-empty strings.`);
  }
  return v as string[];
}

export function str(v: unknown, what: string, max = 4096): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw eksError.invalidParameter(`${what} is required (a string of at most ${max} characters).`);
  return v;
}

/** Request attributes for can-i from a JSON body (same fields as kubectl auth can-i). */
export function attributesFromBody(b: Record<string, unknown>): RequestAttributes {
  const verb = str(b.verb, 'verb', 256);
  if (typeof b.path === 'string') {
    if (!b.path.startsWith('/')) throw eksError.invalidParameter('path must start with /.');
    return { verb, path: b.path };
  }
  const opt = (k: string) => {
    const v = b[k];
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string' || v.length > 512) throw eksError.invalidParameter(`${k} must be a string.`);
    return v;
  };
  return { verb, resource: str(b.resource, 'resource', 512), group: opt('group'), namespace: opt('namespace'), subresource: opt('subresource'), name: opt('name'), version: opt('version') };
}

