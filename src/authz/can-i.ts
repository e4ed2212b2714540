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
import { authorize } from './authorizer.js';

export interface CanIQuestion {
  cluster: string;
  principalArn: string;
  sessionName?: string;
  attrs: RequestAttributes;
}

export interface CanIAnswer {
  allowed: boolean;
  /** The grant that allowed it (EKS audit wording), or system:masters. */
  reason?: string;
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
  if (user.groups.includes('system:masters')) {
    return { allowed: true, reason: 'member of system:masters (kube-apiserver allows every request of this group before any authorizer)', user, principalId: identity.userId };
  }
  const d = authorize(slice, identity.userId ? { principalId: identity.userId, canonicalArn: identity.canonicalArn } : // Matched by ARN (no unique ID known): the ARN names the principal in the reason.
    { principalId: identity.canonicalArn, canonicalArn: identity.canonicalArn }, q.attrs, now);
  const rbacNote = user.groups.length ? ` RBAC bindings in the cluster for user ${user.username} or groups ${user.groups.join(', ')} may still allow it.` : ` RBAC bindings in the cluster for user ${user.username} may still allow it.`;
  return d.allowed
    ? { allowed: true, reason: d.reason, user, principalId: identity.userId }
    : { allowed: false, explanation: `${d.explanation ?? 'no access policy allows it'}.${rbacNote}`, user, principalId: identity.userId };
}
