import { CliError, callApi, resolveClientConfig } from '../client.js';
import { parseDuration } from '../../server/config.js';
import type { AuditEvent } from '../../model/types.js';
import { defineCommand } from './types.js';
import { OUTPUT_FLAG, printJson, wantsJson } from './output.js';

/** `1h`, `30m`, `7d` ago, or an absolute ISO-8601 time. */
export function parseSince(s: string, now: number): number {
  if (/^\d+(\.\d+)?(ms|s|m|h|d)$/.test(s)) return now - parseDuration(s);
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new CliError(`cannot read time ${JSON.stringify(s)} (use e.g. 1h, 7d, or 2026-11-28T10:00:00Z)`, 2);
  return t;
}

function describe(e: AuditEvent): string {
  const change = e.after !== undefined || e.before !== undefined ? ` ${JSON.stringify({ ...(e.before !== undefined ? { before: e.before } : {}), ...(e.after !== undefined ? { after: e.after } : {}) })}` : '';
  return `${new Date(e.at).toISOString()}  ${e.principalArn}  ${e.service}:${e.operation}  ${e.clusterName ?? '-'}  ${e.resource ?? '-'}  ${e.result}${e.errorMessage ? ` (${e.errorMessage})` : ''}${change}`;
}

export const auditCommand = defineCommand({
  name: 'audit',
  summary: 'read the audit trail: who changed access, what, when, and the result',
  usage: '[--cluster NAME] [--target ARN] [--principal ARN] [--operation [SERVICE:]OP] [--since 24h|TIME] [--until TIME] [--kind K] [--limit N] [-o json]',
  description: `Every change is recorded with the caller (principal ARN and access key ID, never secrets), the
operation, cluster and target, the change (before/after) and the result; failed calls too, with
their target. Read-only calls are recorded only when the server runs with --audit-reads, and
authentication/authorization decisions only with --audit-decisions.
Newest events first. "Who gave alice admin, and when":
  entryway audit --target arn:aws:iam::111122223333:user/alice --operation AssociateAccessPolicy`,
  client: true,
  flags: {
    cluster: { type: 'string', arg: 'NAME', help: 'events of this cluster' },
    target: { type: 'string', arg: 'ARN', help: 'events that acted on this principal (its entry, its policy associations, the IAM principal)' },
    principal: { type: 'string', arg: 'ARN', help: 'events whose caller is this principal' },
    operation: { type: 'string', arg: 'OP', help: 'e.g. AssociateAccessPolicy or eks:AssociateAccessPolicy, iam:CreateUser' },
    since: { type: 'string', arg: 'TIME', help: 'from this time: 1h, 7d ago, or ISO-8601' },
    until: { type: 'string', arg: 'TIME', help: 'before this time' },
    kind: { type: 'string', arg: 'K', help: 'management, authentication or authorization' },
    limit: { type: 'string', arg: 'N', help: 'the newest N events (default 1000)' },
    ...OUTPUT_FLAG,
  },
  run: async (values) => {
    const json = wantsJson(values.output);
    const now = Date.now();
    const q = new URLSearchParams({ order: 'newest' });
    if (values.cluster) q.set('cluster', values.cluster);
    if (values.since) q.set('since', String(parseSince(values.since, now)));
    if (values.until) q.set('until', String(parseSince(values.until, now)));
    if (values.principal) q.set('principal', values.principal);
    if (values.target) q.set('target', values.target);
    if (values.operation) q.set('operation', values.operation);
    if (values.kind) q.set('kind', values.kind);
    const want = values.limit ? Number(values.limit) : 1000;
    if (!Number.isInteger(want) || want < 1) throw new CliError('--limit must be a positive integer', 2);
    const cfg = await resolveClientConfig(values);
    const events: AuditEvent[] = [];
    let beforeId: number | undefined;
    let recording: { decisionSampling: number; reads: boolean } | undefined;
    while (events.length < want) {
      const page = new URLSearchParams(q);
      page.set('limit', String(Math.min(1000, want - events.length)));
      if (beforeId !== undefined) page.set('beforeId', String(beforeId));
      const r = await callApi<{ events: AuditEvent[]; nextBeforeId?: number; recording?: { decisionSampling: number; reads: boolean } }>(cfg, 'GET', `/entryway/v1/audit?${page}`);
      recording ??= r.recording;
      events.push(...r.events);
      if (r.nextBeforeId === undefined) break;
      beforeId = r.nextBeforeId;
    }
    if (recording && recording.decisionSampling === 0 && values.kind !== 'management') {
      process.stderr.write('note: authentication and authorization decisions are not recorded (the server runs with --audit-decisions 0)\n');
    }
    if (json) printJson(events);
    else for (const e of events) process.stdout.write(describe(e) + '\n');
    return 0;
  },
});
