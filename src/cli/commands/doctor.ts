import { parseArgs } from 'node:util';
import { CliError, callApi, resolveClientConfig } from '../client.js';
import type { Finding } from '../../doctor/doctor.js';
import type { Command } from './types.js';
import { CLIENT_FLAGS, CLIENT_FLAGS_HELP } from './types.js';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: "find stale and useless access entries, shadowed aws-auth rows and lock-out risks",
  help: `Usage: entryway doctor --cluster NAME [-o json]

Checks a cluster's access configuration: access entries whose IAM principal was deleted or deleted
and re-created (they silently match nobody — EKS gives no sign), entries that grant nothing, access
policies without published rules, aws-auth rows shadowed by access entries or that can never match
(role paths), a rejected aws-auth document, principals a move to API mode would lock out, and
whether anyone can still administer the cluster. Exit status 1 when there is an error-level finding.

  --cluster NAME   the cluster
  -o json          machine-readable output
${CLIENT_FLAGS_HELP}`,
  run: async (args) => {
    const { values } = parseArgs({ args, strict: true, options: { ...CLIENT_FLAGS, cluster: { type: 'string' }, output: { type: 'string', short: 'o' } } });
    if (!values.cluster) throw new CliError('--cluster is required', 2);
    const cfg = resolveClientConfig({ ...values, dataDir: values['data-dir'] });
    const r = await callApi<{ cluster: string; authenticationMode: string; findings: Finding[] }>(cfg, 'GET', `/entryway/v1/clusters/${encodeURIComponent(values.cluster)}/doctor`);
    if (values.output === 'json') process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else {
      process.stdout.write(`cluster ${r.cluster} (${r.authenticationMode}): ${r.findings.length ? `${r.findings.length} finding(s)` : 'no findings'}\n`);
      for (const f of r.findings) process.stdout.write(`${f.severity.toUpperCase().padEnd(7)} ${f.code}  ${f.subject}\n        ${f.message}\n`);
    }
    return r.findings.some((f) => f.severity === 'error') ? 1 : 0;
  },
};
