/**
 * Effective access from the command line: a cluster's RBAC snapshot (`rbac import|get|delete`),
 * `who-can`, `access report` and `entries list` (with last use). All of it is answered by the
 * server (Entryway's API), so what the CLI prints is what the console and the webhooks see.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { CliError, callApi, resolveClientConfig } from '../client.js';
import type { ClientConfig } from '../client.js';
import { defineCommand } from './types.js';
import { OUTPUT_FLAG, printJson, wantsJson } from './output.js';
import { requestFromArgs } from './can-i.js';

function readInput(file: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What a real cluster's `-o yaml` holds is mostly metadata (managedFields, annotations): only the
 * fields authorization reads are sent, so a large cluster's snapshot stays small. The server
 * validates what arrives; a document this cannot read is sent as it is, for the server's error.
 */
export function reduceRbacDocument(text: string): string {
  let docs: unknown[];
  try {
    const t = text.trimStart();
    docs = t.startsWith('{') || t.startsWith('[') ? [JSON.parse(text)] : parseAllDocuments(text).map((d) => (d.errors.length ? undefined : d.toJS()));
  } catch {
    return text;
  }
  if (docs.some((d) => d === undefined)) return text;
  const items: unknown[] = [];
  for (const d of docs) {
    if (d === null) continue;
    if (Array.isArray(d)) items.push(...d);
    else if (isObj(d) && typeof d.kind === 'string' && d.kind.endsWith('List') && Array.isArray(d.items)) items.push(...d.items);
    else items.push(d);
  }
  const reduced = items.map((it) => {
    if (!isObj(it)) return it;
    const m = isObj(it.metadata) ? it.metadata : {};
    const metadata: Obj = { name: m.name };
    if (m.namespace !== undefined) metadata.namespace = m.namespace;
    if (m.labels !== undefined) metadata.labels = m.labels;
    const out: Obj = { apiVersion: it.apiVersion, kind: it.kind, metadata };
    for (const k of ['rules', 'aggregationRule', 'roleRef', 'subjects']) if (it[k] !== undefined) out[k] = it[k];
    return out;
  });
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: reduced });
}

const clusterPath = (name: string, rest: string) => `/entryway/v1/clusters/${encodeURIComponent(name)}/${rest}`;

/** The clusters to ask: --cluster NAME (repeatable), or every cluster the caller may list. */
async function targetClusters(cfg: ClientConfig, values: { cluster?: string[] | undefined; 'all-clusters'?: boolean | undefined }): Promise<string[]> {
  const named = values.cluster ?? [];
  if (values['all-clusters']) {
    if (named.length) throw new CliError('give --cluster or --all-clusters, not both', 2);
    const out: string[] = [];
    let token: string | undefined;
    do {
      const r = await callApi<{ clusters: string[]; nextToken?: string }>(cfg, 'GET', `/clusters?maxResults=100${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`);
      out.push(...r.clusters);
      token = r.nextToken ?? undefined;
    } while (token);
    return out;
  }
  if (!named.length) throw new CliError('--cluster NAME or --all-clusters is required', 2);
  return named;
}

function printTable(rows: string[][]): void {
  if (rows.length === 0) return;
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) process.stdout.write(`${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`);
}

const csvCell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const printCsv = (rows: string[][]) => {
  for (const r of rows) process.stdout.write(`${r.map(csvCell).join(',')}\n`);
};

function ago(ms: number | null | undefined, now: number): string {
  if (ms === null || ms === undefined) return 'never';
  const s = Math.max(0, Math.floor((now - ms) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.floor(s / 60)}m ago`;
  if (s < 172800) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

interface PathOut {
  via: string;
  description: string;
  conditional?: string;
}
interface SourceOut {
  kind: string;
  section?: string;
  provider?: string;
  group?: string;
  user?: string;
  type?: string;
}

function sourceText(s: SourceOut): string {
  switch (s.kind) {
    case 'access-entry':
      return `access entry${s.type && s.type !== 'STANDARD' ? ` (${s.type})` : ''}`;
    case 'aws-auth':
      return `aws-auth ${s.section}`;
    case 'aws-auth-account':
      return 'aws-auth mapAccounts';
    case 'cluster-creator':
      return 'cluster creator';
    default:
      return `OIDC ${s.provider}${s.group !== undefined ? ` group ${s.group}` : s.user !== undefined ? ` user ${s.user}` : ''}`;
  }
}

export const rbacImportCommand = defineCommand({
  name: 'rbac import',
  summary: "import a cluster's RBAC (kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml)",
  usage: '--cluster NAME -f FILE|-',
  description: `Keeps the cluster's Roles, ClusterRoles and bindings in Entryway, replacing the previous snapshot
as a whole, so can-i, who-can, access report and kubectl auth can-i on Entryway's endpoint count them.
Make the file with:
  kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml > rbac.yaml
(-o json works too). Default roles and bindings a snapshot lacks are added, as every cluster has them.
Run it again (a CronJob, a CI step) to keep the snapshot fresh: answers say how old it is.`,
  client: true,
  flags: {
    cluster: { type: 'string', arg: 'NAME', help: 'the cluster' },
    file: { type: 'string', short: 'f', arg: 'FILE', help: 'the List as kubectl prints it (- for standard input)' },
    ...OUTPUT_FLAG,
  },
  run: async (values) => {
    if (!values.cluster || !values.file) throw new CliError('--cluster and -f are required', 2);
    const json = wantsJson(values.output);
    const document = reduceRbacDocument(readInput(values.file));
    const cfg = await resolveClientConfig(values);
    const r = await callApi<{ cluster: string; counts: Record<string, number>; warnings: string[]; addedDefaults: string[]; importedAt: number }>(cfg, 'PUT', clusterPath(values.cluster, 'rbac'), { document });
    if (json) printJson(r);
    else {
      const c = r.counts;
      process.stdout.write(`imported RBAC of ${r.cluster}: ${c.clusterRoles} ClusterRoles, ${c.clusterRoleBindings} ClusterRoleBindings, ${c.roles} Roles, ${c.roleBindings} RoleBindings\n`);
      if (r.addedDefaults.length) process.stdout.write(`added defaults the snapshot lacked: ${r.addedDefaults.join(', ')}\n`);
      for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
    }
    return 0;
  },
});

export const rbacGetCommand = defineCommand({
  name: 'rbac get',
  summary: "show a cluster's RBAC snapshot: when it was imported, by whom, what it holds",
  usage: '--cluster NAME [-o json] [--objects]',
  client: true,
  flags: {
    cluster: { type: 'string', arg: 'NAME', help: 'the cluster' },
    objects: { type: 'boolean', help: 'with -o json, include the imported objects' },
    ...OUTPUT_FLAG,
  },
  run: async (values) => {
    if (!values.cluster) throw new CliError('--cluster is required', 2);
    const json = wantsJson(values.output);
    const cfg = await resolveClientConfig(values);
    const r = await callApi<{ cluster: string; imported: boolean; importedAt?: number; importedBy?: string; counts?: Record<string, number>; warnings?: string[]; addedDefaults?: string[]; description: string }>(
      cfg,
      'GET',
      clusterPath(values.cluster, `rbac${values.objects ? '?objects=true' : ''}`),
    );
    if (json) printJson(r);
    else if (!r.imported) process.stdout.write(`${r.cluster}: ${r.description}\n`);
    else {
      const c = r.counts!;
      process.stdout.write(`${r.cluster}: ${r.description}\n  imported by ${r.importedBy}\n  ${c.clusterRoles} ClusterRoles, ${c.clusterRoleBindings} ClusterRoleBindings, ${c.roles} Roles, ${c.roleBindings} RoleBindings\n`);
      if (r.addedDefaults?.length) process.stdout.write(`  defaults added: ${r.addedDefaults.join(', ')}\n`);
      for (const w of r.warnings ?? []) process.stdout.write(`  warning: ${w}\n`);
    }
    return 0;
  },
});

export const rbacDeleteCommand = defineCommand({
  name: 'rbac delete',
  summary: "forget a cluster's RBAC snapshot (answers go back to the defaults only)",
  usage: '--cluster NAME',
  client: true,
  flags: { cluster: { type: 'string', arg: 'NAME', help: 'the cluster' } },
  run: async (values) => {
    if (!values.cluster) throw new CliError('--cluster is required', 2);
    const cfg = await resolveClientConfig(values);
    await callApi(cfg, 'DELETE', clusterPath(values.cluster, 'rbac'));
    process.stdout.write(`deleted the RBAC snapshot of ${values.cluster}\n`);
    return 0;
  },
});

const TARGET_FLAGS = {
  cluster: { type: 'string', multiple: true, arg: 'NAME', help: 'the cluster (repeatable)' },
  'all-clusters': { type: 'boolean', help: 'every cluster you may list' },
} as const;

interface WhoCanRow {
  cluster: string;
  principal: string;
  source: SourceOut;
  username: string;
  groups: string[];
  paths: PathOut[];
}

export const whoCanCommand = defineCommand({
  name: 'who-can',
  summary: 'list every IAM principal and OIDC group that may make a request, and the path that lets it',
  usage: `VERB RESOURCE[.GROUP][/NAME] [-n NS] [--subresource S] [--name N] (--cluster NAME | --all-clusters) [-o table|json|csv]
       entryway who-can VERB /NON-RESOURCE-URL (--cluster NAME | --all-clusters)`,
  description: `Joins the IAM side (access entries, aws-auth rows, identity providers, per the cluster's mode) with
access policies and the cluster's RBAC snapshot (entryway rbac import). Each path is one of:
system:masters; an access policy and its scope; or binding → role (→ rule) with the subject that
matched. Usernames with templates match User subjects only for some sessions: such paths say when.
Without -n the request is cluster-wide (what kubectl get -A needs).`,
  client: true,
  positionals: true,
  flags: {
    ...TARGET_FLAGS,
    namespace: { type: 'string', short: 'n', arg: 'NS', help: 'namespace of the request (default: none, i.e. cluster-wide)' },
    subresource: { type: 'string', arg: 'S', help: 'e.g. exec, log, token' },
    name: { type: 'string', arg: 'N', help: 'resource name' },
    output: { type: 'string', short: 'o', arg: 'FORMAT', help: 'table (default), json or csv' },
  },
  run: async (values, positionals) => {
    const body = requestFromArgs(positionals, values);
    const format = values.output ?? 'table';
    if (!['table', 'text', 'json', 'csv'].includes(format)) throw new CliError(`--output takes table, json or csv, not ${JSON.stringify(format)}`, 2);
    const cfg = await resolveClientConfig(values);
    const clusters = await targetClusters(cfg, values);
    const results: Array<{ cluster: string; rbac: { imported: boolean; description: string }; principals: WhoCanRow[] }> = [];
    for (const c of clusters) results.push(await callApi(cfg, 'POST', clusterPath(c, 'who-can'), body));
    if (format === 'json') {
      printJson({ request: body, clusters: results });
      return 0;
    }
    const rows = results.flatMap((r) => r.principals);
    if (format === 'csv') {
      printCsv([
        ['cluster', 'principal', 'source', 'username', 'groups', 'via', 'path', 'condition'],
        ...rows.flatMap((r) => r.paths.map((p) => [r.cluster, r.principal, sourceText(r.source), r.username, r.groups.join(' '), p.via, p.description, p.conditional ?? ''])),
      ]);
      return 0;
    }
    for (const r of results) if (!r.rbac.imported) process.stderr.write(`note: ${r.cluster}: ${r.rbac.description}\n`);
    if (rows.length === 0) {
      process.stdout.write('nobody\n');
      return 0;
    }
    printTable([
      ['CLUSTER', 'PRINCIPAL', 'SOURCE', 'USERNAME', 'ALLOWED BY'],
      ...rows.flatMap((r) => r.paths.map((p, i) => (i === 0 ? [r.cluster, r.principal, sourceText(r.source), r.username, p.description] : ['', '', '', '', p.description]))),
    ]);
    return 0;
  },
});

interface ReportRow {
  cluster: string;
  principal: string;
  source: SourceOut;
  username: string;
  groups: string[];
  inactive?: string;
  rights: Array<{ what: string; scope: 'cluster' | string[]; builtIn?: boolean; conditional?: string }>;
  risks: Array<{ id: string; title: string; scope: 'cluster' | string[]; path: string; conditional?: string }>;
  lastUsedAt: number | null;
}

const scopeText = (s: 'cluster' | string[]) => (s === 'cluster' ? 'cluster' : `ns ${s.join(',')}`);

export const accessReportCommand = defineCommand({
  name: 'access report',
  summary: "every principal's effective rights, with risky privileges flagged and the path to each",
  usage: '(--cluster NAME | --all-clusters) [--risky] [-o table|json|csv]',
  description: `Per principal (access entries, aws-auth rows, the CONFIG_MAP creator, identity providers and the
groups RBAC names for them): its rights — access policies with scopes, bindings with roles — and
flags for cluster-admin equivalents (* on *), secrets read, pods/exec, attach and portforward,
nodes/proxy, escalate, bind, impersonate, writes to RBAC, serviceaccounts/token and CSR approval,
each with the path that grants it. Also when the principal last authenticated.`,
  client: true,
  flags: {
    ...TARGET_FLAGS,
    risky: { type: 'boolean', help: 'only principals with a flagged privilege' },
    output: { type: 'string', short: 'o', arg: 'FORMAT', help: 'table (default), json or csv' },
  },
  run: async (values) => {
    const format = values.output ?? 'table';
    if (!['table', 'text', 'json', 'csv'].includes(format)) throw new CliError(`--output takes table, json or csv, not ${JSON.stringify(format)}`, 2);
    const cfg = await resolveClientConfig(values);
    const clusters = await targetClusters(cfg, values);
    const results: Array<{ cluster: string; rbac: { imported: boolean; description: string }; principals: ReportRow[] }> = [];
    for (const c of clusters) results.push(await callApi(cfg, 'GET', clusterPath(c, 'access-report')));
    for (const r of results) if (values.risky) r.principals = r.principals.filter((p) => p.risks.length > 0);
    if (format === 'json') {
      printJson({ clusters: results });
      return 0;
    }
    const rows = results.flatMap((r) => r.principals);
    if (format === 'csv') {
      printCsv([
        ['cluster', 'principal', 'source', 'username', 'risk', 'scope', 'path', 'condition', 'last_used_at'],
        ...rows.flatMap((r) =>
          (r.risks.length ? r.risks : [undefined]).map((k) => [
            r.cluster,
            r.principal,
            sourceText(r.source),
            r.username,
            k?.id ?? '',
            k ? scopeText(k.scope) : '',
            k?.path ?? '',
            k?.conditional ?? '',
            r.lastUsedAt === null ? '' : new Date(r.lastUsedAt).toISOString(),
          ]),
        ),
      ]);
      return 0;
    }
    const now = Date.now();
    for (const r of results) {
      process.stdout.write(`cluster ${r.cluster} — ${r.rbac.description}\n`);
      for (const p of r.principals) {
        process.stdout.write(`\n  ${p.principal}  [${sourceText(p.source)}]  as ${p.username}  last used ${ago(p.lastUsedAt, now)}\n`);
        if (p.inactive) {
          process.stdout.write(`    inactive: ${p.inactive}\n`);
          continue;
        }
        const rights = p.rights.filter((x) => !x.builtIn);
        process.stdout.write(`    rights: ${rights.length ? rights.map((x) => `${x.what} (${scopeText(x.scope)})${x.conditional ? ' [conditional]' : ''}`).join('; ') : 'only the defaults every authenticated user has'}\n`);
        for (const k of p.risks) process.stdout.write(`    RISK ${k.id.padEnd(20)} ${scopeText(k.scope).padEnd(12)} via ${k.path}${k.conditional ? ` — ${k.conditional}` : ''}\n`);
      }
      process.stdout.write('\n');
    }
    return 0;
  },
});

interface EntryDetail {
  principalArn: string;
  type: string;
  username: string;
  kubernetesGroups: string[];
  associatedAccessPolicies: Array<{ policyArn: string; accessScope: { type: string; namespaces?: string[] } }>;
  lastUsedAt: number | null;
  lastUsedFrom?: string;
}

export const entriesListCommand = defineCommand({
  name: 'entries list',
  summary: "a cluster's access entries with their policies and when each was last used",
  usage: '--cluster NAME [-o json]',
  client: true,
  flags: { cluster: { type: 'string', arg: 'NAME', help: 'the cluster' }, ...OUTPUT_FLAG },
  run: async (values) => {
    if (!values.cluster) throw new CliError('--cluster is required', 2);
    const json = wantsJson(values.output);
    const cfg = await resolveClientConfig(values);
    const r = await callApi<{ clusterName: string; accessEntries: EntryDetail[] }>(cfg, 'GET', clusterPath(values.cluster, 'access-entries'));
    if (json) {
      printJson(r);
      return 0;
    }
    const now = Date.now();
    printTable([
      ['PRINCIPAL', 'TYPE', 'USERNAME', 'GROUPS', 'POLICIES', 'LAST USED'],
      ...r.accessEntries.map((e) => [
        e.principalArn,
        e.type,
        e.username,
        e.kubernetesGroups.join(',') || '-',
        e.associatedAccessPolicies.map((a) => `${a.policyArn.split('/').pop()}${a.accessScope.type === 'namespace' ? `(${(a.accessScope.namespaces ?? []).join(',')})` : ''}`).join(' ') || '-',
        e.lastUsedAt === null ? 'never' : `${ago(e.lastUsedAt, now)}${e.lastUsedFrom ? ` from ${e.lastUsedFrom}` : ''}`,
      ]),
    ]);
    return 0;
  },
});
