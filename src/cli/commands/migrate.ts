import { readFileSync } from 'node:fs';
import { CliError, callApi, resolveClientConfig } from '../client.js';
import { formatMigrationPlan } from '../../mapping/index.js';
import type { MigrationReport } from '../../migration/service.js';
import { defineCommand } from './types.js';
import { OUTPUT_FLAG, printJson, wantsJson } from './output.js';

function formatEquivalence(r: MigrationReport): string {
  const lines = ['', 'Identity and permissions, now → after the migration:'];
  for (const row of r.equivalence) {
    const fmt = (x: MigrationReport['equivalence'][number]['before']) =>
      x.username === undefined ? x.source : `${x.username} [${(x.groups ?? []).join(', ')}] via ${x.source}${x.permissions.length ? `; policies: ${x.permissions.join('; ')}` : ''}`;
    const mark = row.identityChanged || row.permissionsChanged ? 'CHANGES' : 'same   ';
    lines.push(`  ${mark} ${row.principal}`, `          now:   ${fmt(row.before)}`, `          after: ${fmt(row.after)}`);
    if (row.lost.length) lines.push(`          loses: ${row.lost.slice(0, 8).join('; ')}${row.lost.length > 8 ? ` (+${row.lost.length - 8} more)` : ''}`);
    if (row.gained.length) lines.push(`          gains: ${row.gained.slice(0, 8).join('; ')}${row.gained.length > 8 ? ` (+${row.gained.length - 8} more)` : ''}`);
  }
  if (!r.equivalence.length) lines.push('  (aws-auth maps no principals)');
  lines.push('', r.changes ? 'Some identities or permissions change: --apply refuses unless --allow-changes.' : 'Every mapped principal keeps its identity and permissions.');
  return lines.join('\n');
}

export const migrateAwsAuthCommand = defineCommand({
  name: 'migrate aws-auth',
  summary: "plan (and apply) moving a cluster's aws-auth mappings to access entries",
  usage: '--cluster NAME [-f aws-auth.yaml] [--target-mode API_AND_CONFIG_MAP|API] [--apply] [--allow-changes] [-o json]',
  description: `Without --apply, prints the plan: one line per aws-auth mapping — the access entry it becomes (type,
username, groups), the access policy it needs (system:masters → AmazonEKSClusterAdminPolicy at cluster
scope; node roles → EC2_LINUX/EC2_WINDOWS), what already exists, what cannot move and why — and an
equivalence check: each mapped principal's identity and effective permissions now versus after,
computed by the same code the webhooks use.

--apply creates the entries and associations (idempotent: safe to re-run after a failure midway),
then moves the authentication mode to the target (via API_AND_CONFIG_MAP). It refuses when the plan
is blocked, when any identity or permission would change (unless --allow-changes), and it never
moves a cluster to API without an access entry holding AmazonEKSClusterAdminPolicy.`,
  client: true,
  flags: {
    cluster: { type: 'string', arg: 'NAME', help: 'the cluster' },
    file: { type: 'string', short: 'f', arg: 'FILE', help: "the aws-auth document to migrate (stored on --apply); default: the cluster's" },
    'target-mode': { type: 'string', arg: 'MODE', help: 'API_AND_CONFIG_MAP (default; aws-auth keeps working) or API' },
    apply: { type: 'boolean', help: 'carry the plan out' },
    'allow-changes': { type: 'boolean', help: 'accept identity/permission differences the check found' },
    ...OUTPUT_FLAG,
  },
  run: async (values) => {
    if (!values.cluster) throw new CliError('--cluster is required', 2);
    const target = values['target-mode'] ?? 'API_AND_CONFIG_MAP';
    if (target !== 'API' && target !== 'API_AND_CONFIG_MAP') throw new CliError('--target-mode must be API_AND_CONFIG_MAP or API', 2);
    let yaml: string | undefined;
    if (values.file) {
      try {
        yaml = readFileSync(values.file === '-' ? 0 : values.file, 'utf8');
      } catch (e) {
        throw new CliError(`cannot read ${values.file}: ${(e as Error).message}`);
      }
    }
    const json = wantsJson(values.output);
    const cfg = await resolveClientConfig(values);
    const base = `/entryway/v1/clusters/${encodeURIComponent(values.cluster)}/migration`;
    const body = { targetMode: target, ...(yaml !== undefined ? { yaml } : {}) };
    if (!values.apply) {
      const r = await callApi<MigrationReport>(cfg, 'POST', `${base}/plan`, body);
      if (json) printJson(r);
      else process.stdout.write(`${formatMigrationPlan(r.plan)}\n${formatEquivalence(r)}\n`);
      return r.plan.blocked || r.changes ? 1 : 0;
    }
    const r = await callApi<{ steps: string[]; report: MigrationReport }>(cfg, 'POST', `${base}/apply`, { ...body, allowChanges: values['allow-changes'] === true });
    if (json) printJson(r);
    else {
      process.stdout.write(r.steps.length ? `applied:\n${r.steps.map((s) => `  - ${s}`).join('\n')}\n` : 'nothing to do: the cluster already matches the plan\n');
      process.stdout.write(`${formatMigrationPlan(r.report.plan)}\n`);
    }
    return 0;
  },
});
