import { parseArgs } from 'node:util';
import { CliError, callApi, resolveClientConfig } from '../client.js';
import { parseDuration } from '../../server/config.js';
import type { AuditEvent } from '../../model/types.js';
import type { Command } from './types.js';
import { CLIENT_FLAGS, CLIENT_FLAGS_HELP } from './types.js';

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

export const auditCommand: Command = {
  name: 'audit',
  summary: 'read the audit trail: who changed access, what, when, and the result',
  help: `Usage: entryway audit [--cluster NAME] [--since 24h|TIME] [--until TIME] [--principal ARN] [--operation OP] [--kind management|authentication|authorization] [--limit N] [-o json]

Every management call is recorded with the caller (principal ARN and access key ID, never secrets),
the operation, cluster and resource, the change (before/after for access entries and associations)
and the result. Answers "who gave Bob admin, and when": entryway audit --operation AssociateAccessPolicy
${CLIENT_FLAGS_HELP}`,
  run: async (args) => {
    const { values } = parseArgs({
      args,
      strict: true,
      options: {
        ...CLIENT_FLAGS,
        cluster: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        principal: { type: 'string' },
        operation: { type: 'string' },
        kind: { type: 'string' },
        limit: { type: 'string' },
        output: { type: 'string', short: 'o' },
      },
    });
    const now = Date.now();
    const q = new URLSearchParams();
    if (values.cluster) q.set('cluster', values.cluster);
    if (values.since) q.set('since', String(parseSince(values.since, now)));
    if (values.until) q.set('until', String(parseSince(values.until, now)));
    if (values.principal) q.set('principal', values.principal);
    if (values.operation) q.set('operation', values.operation);
    if (values.kind) q.set('kind', values.kind);
    const want = values.limit ? Number(values.limit) : 1000;
    if (!Number.isInteger(want) || want < 1) throw new CliError('--limit must be a positive integer', 2);
    const cfg = resolveClientConfig({ ...values, dataDir: values['data-dir'] });
    const events: AuditEvent[] = [];
    let afterId: number | undefined;
    while (events.length < want) {
      const page = new URLSearchParams(q);
      page.set('limit', String(Math.min(1000, want - events.length)));
      if (afterId !== undefined) page.set('afterId', String(afterId));
      const r = await callApi<{ events: AuditEvent[]; nextAfterId?: number }>(cfg, 'GET', `/entryway/v1/audit?${page}`);
      events.push(...r.events);
      if (r.nextAfterId === undefined) break;
      afterId = r.nextAfterId;
    }
    if (values.output === 'json') process.stdout.write(JSON.stringify(events, null, 2) + '\n');
    else for (const e of events) process.stdout.write(describe(e) + '\n');
    return 0;
  },
};
