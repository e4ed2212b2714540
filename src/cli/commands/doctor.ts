import { CliError, callApi, resolveClientConfig } from '../client.js';
import type { Finding } from '../../doctor/doctor.js';
import { defineCommand } from './types.js';
import { OUTPUT_FLAG, printJson, wantsJson } from './output.js';

export const doctorCommand = defineCommand({
  name: 'doctor',
  summary: 'find stale and useless access entries, shadowed aws-auth rows and lock-out risks',
  usage: '--cluster NAME [-o json]',
  description: `Checks a cluster's access configuration: access entries whose IAM principal was deleted or deleted
and re-created (they silently match nobody — EKS gives no sign), entries for accounts Entryway cannot
verify, usernames whose templates can never render, entries that grant nothing, access policies
without published rules, aws-auth rows shadowed by access entries, naming principals that do not
exist or that can never match (role paths), mapAccounts rows, a rejected aws-auth document,
principals a move to API mode would lock out, whether anyone can still administer the cluster, and
access entries and aws-auth rows nobody has authenticated with for --unused-days (default: the
server's --unused-after, 90 days).
Exit status 1 when there is an error-level finding.`,
  client: true,
  flags: { cluster: { type: 'string', arg: 'NAME', help: 'the cluster' }, 'unused-days': { type: 'string', arg: 'N', help: 'report mappings unused for more than N days' }, ...OUTPUT_FLAG },
  run: async (values) => {
    if (!values.cluster) throw new CliError('--cluster is required', 2);
    const json = wantsJson(values.output);
    const cfg = await resolveClientConfig(values);
    const days = values['unused-days'];
    if (days !== undefined && !/^\d{1,5}$/.test(days)) throw new CliError('--unused-days takes a whole number of days', 2);
    const r = await callApi<{ cluster: string; authenticationMode: string; findings: Finding[] }>(
      cfg,
      'GET',
      `/entryway/v1/clusters/${encodeURIComponent(values.cluster)}/doctor${days !== undefined ? `?unusedDays=${days}` : ''}`,
    );
    if (json) printJson(r);
    else {
      process.stdout.write(`cluster ${r.cluster} (${r.authenticationMode}): ${r.findings.length ? `${r.findings.length} finding(s)` : 'no findings'}\n`);
      for (const f of r.findings) process.stdout.write(`${f.severity.toUpperCase().padEnd(7)} ${f.code}  ${f.subject}\n        ${f.message}\n`);
    }
    return r.findings.some((f) => f.severity === 'error') ? 1 : 0;
  },
});
