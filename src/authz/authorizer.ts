/**
 * Access-policy authorization for one cluster, from the in-memory index: allow or no opinion, never
 * deny (EKS's authorizer). Shared by the SubjectAccessReview webhook, kubectl's SelfSubjectAccessReview
 * on Entryway's own endpoint, and `entryway can-i`.
 */
import type { ClusterSlice } from '../index/access-index.js';
import type { Decision, RequestAttributes } from '../policy/engine.js';
import { decide } from '../policy/engine.js';

export type AuthzOutcome = Decision & {
  /** Why there was no opinion, for humans (`entryway can-i`, logs). */
  explanation?: string;
};

export function authorize(
  slice: ClusterSlice | undefined,
  principal: { principalId: string; canonicalArn?: string | undefined } | undefined,
  attrs: RequestAttributes,
  now: number,
  /** explain: false skips building the no-opinion explanation (the webhook's hot path). */
  opts: { explain?: boolean } = {},
): AuthzOutcome {
  if (!slice) return { allowed: false, explanation: 'the cluster is not known to Entryway' };
  if (slice.mode(now) === 'CONFIG_MAP') {
    return { allowed: false, explanation: `cluster ${slice.name} is in CONFIG_MAP mode: access policies do not apply (only RBAC does)` };
  }
  if (!principal) return { allowed: false, explanation: 'the request carries no IAM principal ID (not an IAM identity, or impersonated): access policies do not apply' };
  const grants = slice.grantsFor(principal.principalId, principal.canonicalArn);
  if (!grants) return { allowed: false, explanation: `no access entry of cluster ${slice.name} belongs to principal ${principal.principalId}` };
  const d = decide(grants, attrs);
  if (d.allowed || opts.explain === false) return d;
  const n = grants.grants.length;
  const short = (arn: string) => arn.split('/').pop();
  if (n === 0) return { allowed: false, explanation: 'the access entry has no access policies associated' };
  if (n === 1) {
    const only = grants.grants[0]!;
    const inert = grants.inert[0];
    return { allowed: false, explanation: `its one associated access policy (${short(only.policyArn)}) does not allow this request${inert ? `; it grants nothing: ${inert.reason}` : ''}` };
  }
  const inert = grants.inert.length ? `; ${grants.inert.length} of them grant nothing (${grants.inert.map((i) => `${short(i.grant.policyArn)}: ${i.reason}`).join(', ')})` : '';
  return { allowed: false, explanation: `none of the ${n} associated access policies allow this request${inert}` };
}
