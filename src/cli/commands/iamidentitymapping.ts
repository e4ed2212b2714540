/**
 * `entryway iamidentitymapping create|get|delete`: eksctl's commands of the same name (the EKS user
 * guide's way to add aws-auth rows), with its flags and output, against the aws-auth document
 * Entryway holds for a cluster. Each change is one atomic edit on the server
 * (clusters/identity-mappings.ts): validated, audited, and never lost to a concurrent one.
 */
import { stringify } from 'yaml';
import { CliError, callApi, resolveClientConfig } from '../client.js';
import { defineCommand } from './types.js';
import { printJson } from './output.js';

type Mapping = { rolearn?: string; userarn?: string; username?: string; groups?: string[]; account?: string };

const clusterPath = (cluster: string) => `/entryway/v1/clusters/${encodeURIComponent(cluster)}/identity-mappings`;
const info = (msg: string) => process.stderr.write(`[ℹ]  ${msg}\n`);

function requireCluster(cluster: string | undefined): string {
  if (!cluster) throw new CliError('--cluster must be set', 2);
  return cluster;
}

export const iamIdentityMappingCreateCommand = defineCommand({
  name: 'iamidentitymapping create',
  summary: 'add an IAM role, user or account to a cluster’s aws-auth (eksctl create iamidentitymapping)',
  usage: '--cluster NAME (--arn ARN [--username NAME] [--group GROUP]... [--no-duplicate-arns] | --account ID)',
  description: `Adds one row to the cluster's aws-auth ConfigMap: a role ARN to mapRoles, a user ARN to mapUsers, or
an account to mapAccounts — as eksctl does. The edit is validated like aws-auth apply (a row that would
break the document is refused and nothing changes) and takes effect in CONFIG_MAP and
API_AND_CONFIG_MAP modes. A second row for the same ARN is allowed unless --no-duplicate-arns.`,
  client: true,
  flags: {
    cluster: { type: 'string', short: 'c', arg: 'NAME', help: 'EKS cluster name' },
    arn: { type: 'string', arg: 'ARN', help: 'ARN of the IAM role or user to map' },
    username: { type: 'string', arg: 'NAME', help: 'user name within Kubernetes to map to the IAM role or user' },
    group: { type: 'string', multiple: true, arg: 'GROUP', help: 'group within Kubernetes to which the IAM role or user is mapped' },
    account: { type: 'string', arg: 'ID', help: 'account ID to map automatically to its username (mapAccounts)' },
    'no-duplicate-arns': { type: 'boolean', help: 'fail when an aws-auth row with the given ARN already exists' },
  },
  run: async (values) => {
    const cluster = requireCluster(values.cluster);
    if (!values.arn && !values.account) throw new CliError('at least one of --arn or --account must be set', 2);
    if (values.arn && values.account) throw new CliError('--account cannot be used with --arn', 2);
    if (values.account && (values.username || values.group?.length)) throw new CliError('--username and --group cannot be used with --account', 2);
    const cfg = await resolveClientConfig(values);
    info(values.arn ? `adding identity ${JSON.stringify(values.arn)} to auth ConfigMap` : `adding account ${JSON.stringify(values.account)} to auth ConfigMap`);
    const r = await callApi<{ warnings: string[]; ignoredInApiMode: boolean }>(cfg, 'POST', clusterPath(cluster), {
      ...(values.arn ? { arn: values.arn } : {}),
      ...(values.account ? { account: values.account } : {}),
      ...(values.username ? { username: values.username } : {}),
      ...(values.group?.length ? { groups: values.group } : {}),
      noDuplicateArns: values['no-duplicate-arns'] ?? false,
    });
    for (const w of r.warnings) process.stderr.write(`[!]  ${w}\n`);
    if (r.ignoredInApiMode) process.stderr.write(`[!]  cluster ${cluster} is in API mode: aws-auth is ignored until it is not\n`);
    return 0;
  },
});

function table(rows: Mapping[]): string {
  const cells = [['ARN', 'USERNAME', 'GROUPS', 'ACCOUNT'], ...rows.map((m) => [m.rolearn ?? m.userarn ?? '', m.username ?? '', (m.groups ?? []).join(','), m.account ?? ''])];
  const widths = [0, 1, 2].map((i) => Math.max(...cells.map((c) => (c[i] ?? '').length)));
  return cells.map((c) => c.map((v, i) => (i < 3 ? v.padEnd((widths[i] ?? 0) + 3) : v)).join('').trimEnd()).join('\n') + '\n';
}

export const iamIdentityMappingGetCommand = defineCommand({
  name: 'iamidentitymapping get',
  summary: 'list a cluster’s aws-auth identity mappings (eksctl get iamidentitymapping)',
  usage: '--cluster NAME [--arn ARN] [-o table|json|yaml]',
  client: true,
  flags: {
    cluster: { type: 'string', short: 'c', arg: 'NAME', help: 'EKS cluster name' },
    arn: { type: 'string', arg: 'ARN', help: 'only the mappings of this IAM role or user' },
    output: { type: 'string', short: 'o', arg: 'FORMAT', help: 'table (default), json or yaml' },
  },
  run: async (values) => {
    const cluster = requireCluster(values.cluster);
    const format = values.output ?? 'table';
    if (!['table', 'json', 'yaml'].includes(format)) throw new CliError(`--output takes table, json or yaml, not ${JSON.stringify(format)}`, 2);
    const cfg = await resolveClientConfig(values);
    const r = await callApi<{ identityMappings: Mapping[] }>(cfg, 'GET', `${clusterPath(cluster)}${values.arn ? `?arn=${encodeURIComponent(values.arn)}` : ''}`);
    if (format === 'json') printJson(r.identityMappings);
    else if (format === 'yaml') process.stdout.write(r.identityMappings.length ? stringify(r.identityMappings) : '[]\n');
    else process.stdout.write(table(r.identityMappings));
    return 0;
  },
});

export const iamIdentityMappingDeleteCommand = defineCommand({
  name: 'iamidentitymapping delete',
  summary: 'remove an IAM identity mapping from a cluster’s aws-auth (eksctl delete iamidentitymapping)',
  usage: '--cluster NAME (--arn ARN [--all] | --account ID)',
  description: `Removes the first aws-auth row of the ARN (every row with --all), or an account from mapAccounts.`,
  client: true,
  flags: {
    cluster: { type: 'string', short: 'c', arg: 'NAME', help: 'EKS cluster name' },
    arn: { type: 'string', arg: 'ARN', help: 'ARN of the IAM role or user to delete' },
    all: { type: 'boolean', help: 'delete all matching mappings instead of just one' },
    account: { type: 'string', arg: 'ID', help: 'account ID to delete from mapAccounts' },
  },
  run: async (values) => {
    const cluster = requireCluster(values.cluster);
    if (!values.arn && !values.account) throw new CliError('at least one of --arn or --account must be set', 2);
    if (values.arn && values.account) throw new CliError('--account cannot be used with --arn', 2);
    const cfg = await resolveClientConfig(values);
    const q = values.arn ? `arn=${encodeURIComponent(values.arn)}${values.all ? '&all=true' : ''}` : `account=${encodeURIComponent(values.account ?? '')}`;
    const r = await callApi<{ removed: Mapping[]; remainingWithArn: number }>(cfg, 'DELETE', `${clusterPath(cluster)}?${q}`);
    for (const m of r.removed) {
      if (m.account) info(`removing account ${JSON.stringify(m.account)} from auth ConfigMap`);
      else info(`removing identity ${JSON.stringify(m.rolearn ?? m.userarn)} from auth ConfigMap (username = ${JSON.stringify(m.username ?? '')}, groups = ${JSON.stringify(m.groups ?? [])})`);
    }
    if (r.remainingWithArn > 0) process.stderr.write(`[!]  there are ${r.remainingWithArn} mappings left with same arn ${JSON.stringify(values.arn)} (use --all to delete them at once)\n`);
    return 0;
  },
});
