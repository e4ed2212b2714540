/**
 * `entryway can-i`: what a principal could do in a cluster, answered by the same code as the
 * webhooks — identity mapping (mapping/) then access policies (authz/) — without a token: the
 * principal's identity is built as if it had authenticated (for principals Entryway's IAM holds,
 * with their real unique ID; otherwise by ARN alone).
 */
import type { Indexes } from '../index/indexes.js';
import type { Identity } from '../mapping/index.js';
import { mapIdentity } from '../mapping/index.js';
import type { RequestAttributes } from '../policy/engine.js';
import type { AccessPath, RbacBasis } from './effective.js';
import { decideJoined, describeBasis } from './effective.js';

export interface CanIQuestion {
  cluster: string;
  principalArn: string;
  sessionName?: string;
  attrs: RequestAttributes;
}

export interface CanIAnswer {
  allowed: boolean;
  /** The grant that allowed it (EKS audit wording), the RBAC binding, or system:masters. */
  reason?: string;
  /** What allowed it, structured: an access policy and scope, or binding → role → rule. */
  path?: AccessPath;
  /** Which RBAC the answer counted: an imported snapshot (and its age), or only the defaults. */
  rbac?: RbacBasis;
  /** Why nothing allowed it. */
  explanation?: string;
  /** The Kubernetes identity the principal gets, when it is mapped. */
  user?: { username: string; groups: string[] };
  principalId?: string;
}

const IAM = /^arn:([^:]+):iam::(\d{12}):(user|role)\/(?:(.*)\/)?([^/]+)$/;

export function identityFor(indexes: Indexes, principalArn: string, sessionName = 'entryway-can-i', connectedSts = false): Identity | { error: string } {
  const m = IAM.exec(principalArn);
  if (!m) return { error: `${principalArn} is not an IAM user or role ARN` };
  const [, partition, account, kind, , name] = m as unknown as [string, string, string, 'user' | 'role', string, string];
  const id = indexes.credentials.principalIdOf(principalArn);
  if (indexes.credentials.holdsAccount(account) && !id) return { error: `${principalArn} does not exist in Entryway's IAM` };
  // Offline, a principal of an account Entryway does not hold can never present a token.
  if (!indexes.credentials.holdsAccount(account) && !connectedSts) {
    return { error: `account ${account} is not held by Entryway's IAM and Entryway runs without --connected-sts: ${principalArn} cannot authenticate, so it can do nothing` };
  }
  if (kind === 'user') {
    return { arn: principalArn, canonicalArn: principalArn, accountId: account, userId: id ?? '', sessionName: '', accessKeyId: '', stsEndpoint: 'entryway-can-i' };
  }
  return {
    arn: `arn:${partition}:sts::${account}:assumed-role/${name}/${sessionName}`,
    canonicalArn: `arn:${partition}:iam::${account}:role/${name}`,
    accountId: account,
    userId: id ?? '',
    sessionName,
    accessKeyId: '',
    stsEndpoint: 'entryway-can-i',
  };
}

export function canI(indexes: Indexes, q: CanIQuestion, now: number, opts: { connectedSts?: boolean } = {}): CanIAnswer {
  const slice = indexes.clusters.get(q.cluster);
  if (!slice) return { allowed: false, explanation: `cluster ${q.cluster} is not known to Entryway` };
  const identity = identityFor(indexes, q.principalArn, q.sessionName, opts.connectedSts ?? false);
  if ('error' in identity) return { allowed: false, explanation: identity.error };
  const mapped = mapIdentity(identity, slice.mappingView(now), { lookupPrivateDnsName: (i) => indexes.privateDnsName(i) });
  if (!mapped.ok) return { allowed: false, explanation: `the principal cannot authenticate to ${q.cluster}: ${mapped.reason}` };
  const user = { username: mapped.user.username, groups: mapped.user.groups };
  // Matched by ARN (no unique ID known): the ARN names the principal in the reason.
  const principal = identity.userId ? { principalId: identity.userId, canonicalArn: identity.canonicalArn } : { principalId: identity.canonicalArn, canonicalArn: identity.canonicalArn };
  const d = decideJoined(slice, user, principal, q.attrs, now);
  if (d.allowed) return { allowed: true, reason: d.path!.description, path: d.path!, rbac: d.rbac, user, principalId: identity.userId };
  const who = user.groups.length ? `user ${user.username} or groups ${user.groups.join(', ')}` : `user ${user.username}`;
  const rbacNote = d.rbac.complete
    ? ` No RBAC binding for ${who} allows it either (${describeBasis(d.rbac)}).`
    : ` RBAC bindings in the cluster for ${who} may still allow it: ${describeBasis(d.rbac)}.`;
  return { allowed: false, explanation: `${d.explanation ?? 'no access policy allows it'}.${rbacNote}`, rbac: d.rbac, user, principalId: identity.userId };
}
