/**
 * Sampled decision auditing (`serve --audit-decisions RATE`): a fraction of the webhooks' review
 * decisions go to the audit trail — the principal and outcome, never the token.
 */
import type { AuditEvent } from '../model/types.js';
import type { DecisionEvent } from '../webhooks/core.js';

export function decisionAuditEvent(d: DecisionEvent, at: number): AuditEvent {
  return {
    at,
    kind: d.kind,
    requestId: d.requestId,
    principalArn: d.principal,
    accessKeyId: '-',
    sourceIp: d.ip,
    service: 'webhook',
    operation: d.kind === 'authentication' ? 'TokenReview' : 'SubjectAccessReview',
    clusterName: d.cluster,
    resource: null,
    result: d.result,
    errorMessage: d.detail,
  };
}

/** The webhooks' `onDecision` for a sampling rate in (0, 1]; undefined when sampling is off. */
export function decisionSampler(rate: number, record: (e: AuditEvent) => void, now: () => number, random: () => number = Math.random): ((d: DecisionEvent) => void) | undefined {
  if (!(rate > 0)) return undefined;
  return (d) => {
    if (random() >= rate) return;
    record(decisionAuditEvent(d, now()));
  };
}
