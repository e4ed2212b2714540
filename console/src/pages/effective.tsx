// The cluster's effective access: who may do something (access policies, system:masters and the
// imported RBAC joined, with the path for each principal), and the risky rights per principal.
// Both are Entryway API reads (WhoCan, GetAccessReport); docs/effective-access.md has the model.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ago, api, entrywayCluster } from '../api';
import { Badge, Card, Empty, ErrorBox, Loading, Notice, TextField, useAction, useLoad } from '../components';
import { Link, setQuery } from '../router';
import type { ClusterProps } from './cluster';

type Source =
  | { kind: 'access-entry'; principalArn: string; type: string }
  | { kind: 'aws-auth'; section: string; arn: string; index: number }
  | { kind: 'aws-auth-account'; accountId: string }
  | { kind: 'cluster-creator'; principalArn: string }
  | { kind: 'oidc'; provider: string; group?: string; user?: string };

interface RbacSummary {
  imported: boolean;
  description: string;
}
interface Path {
  via: string;
  description: string;
  conditional?: string;
}
interface WhoRow {
  principal: string;
  source: Source;
  username: string;
  groups: string[];
  paths: Path[];
}
interface Finding {
  id: string;
  title: string;
  scope: 'cluster' | string[];
  path: string;
  conditional?: string;
}
interface ReportRow {
  principal: string;
  source: Source;
  username: string;
  inactive?: string;
  risks: Finding[];
  lastUsedAt: number | null;
}

export function sourceText(s: Source): string {
  switch (s.kind) {
    case 'access-entry':
      return `access entry${s.type !== 'STANDARD' ? ` (${s.type})` : ''}`;
    case 'aws-auth':
      return `aws-auth ${s.section}[${s.index}]`;
    case 'aws-auth-account':
      return 'aws-auth mapAccounts';
    case 'cluster-creator':
      return 'cluster creator';
    default:
      return `OIDC ${s.provider}${s.group !== undefined ? ` group ${s.group}` : s.user !== undefined ? ` user ${s.user}` : ''}`;
  }
}

/** A path that makes its principal cluster-admin carries every other risk too: show that one alone. */
function withoutImplied(risks: Finding[]): Finding[] {
  const admin = new Set(risks.filter((f) => f.id === 'cluster-admin' || f.id === 'namespace-admin').map((f) => f.path));
  return risks.filter((f) => f.id === 'cluster-admin' || f.id === 'namespace-admin' || !admin.has(f.path));
}

const scopeOf = (s: 'cluster' | string[]) => (s === 'cluster' ? 'cluster-wide' : `in ${s.join(', ')}`);

function Principal({ cluster, row }: { cluster: string; row: { principal: string; source: Source } }): JSX.Element {
  return row.source.kind === 'access-entry' ? (
    <Link href={`/clusters/${encodeURIComponent(cluster)}/access/entries/${encodeURIComponent(row.source.principalArn)}`}>{row.principal}</Link>
  ) : (
    <>{row.principal}</>
  );
}

const FIELDS = ['verb', 'resource', 'group', 'subresource', 'namespace', 'name'] as const;
type Field = (typeof FIELDS)[number];

export function EffectivePage({ cluster, query }: ClusterProps): JSX.Element {
  const [form, setForm] = useState<Record<Field, string>>(() => {
    const f = {} as Record<Field, string>;
    for (const k of FIELDS) f[k] = query.get(k) ?? (k === 'verb' ? 'get' : k === 'resource' ? 'secrets' : '');
    return f;
  });
  const [answer, setAnswer] = useState<{ request: string; principals: WhoRow[]; rbac: RbacSummary } | undefined>(undefined);
  const act = useAction();
  const report = useLoad(() => api<{ principals: ReportRow[]; rbac: RbacSummary }>('GET', `${entrywayCluster(cluster.name)}/access-report`), [cluster.name]);
  const set = (k: Field) => (v: string) => setForm({ ...form, [k]: v });
  const ask = (e: Event) => {
    e.preventDefault();
    setQuery(Object.fromEntries(FIELDS.map((k) => [k, form[k].trim() || undefined])));
    void act.run(async () => {
      const body: Record<string, string> = {};
      for (const k of FIELDS) if (form[k].trim()) body[k] = form[k].trim();
      const r = await api<{ principals: WhoRow[]; rbac: RbacSummary }>('POST', `${entrywayCluster(cluster.name)}/who-can`, body);
      const f = form;
      const request = `${f.verb} ${f.group ? `${f.resource}.${f.group}` : f.resource}${f.subresource ? `/${f.subresource}` : ''}${f.name ? ` ${f.name}` : ''} ${f.namespace ? `in namespace ${f.namespace}` : 'cluster-wide'}`;
      setAnswer({ request, principals: r.principals, rbac: r.rbac });
    });
  };
  const rbac = answer?.rbac ?? report.data?.rbac;
  const risky = (report.data?.principals ?? []).filter((p) => p.risks.length > 0);
  return (
    <>
      {rbac ? (
        <Notice kind={rbac.imported ? 'info' : 'warning'}>
          {rbac.imported ? `Counting the cluster's ${rbac.description}.` : `No RBAC snapshot of this cluster was imported: only the default roles and bindings every cluster has are counted. Import one with kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml | entryway rbac import --cluster ${cluster.name} -f -`}
        </Notice>
      ) : null}
      <Card title="Who can">
        <p class="muted">Every IAM principal and OIDC group that may make this request on {cluster.name}, through system:masters, an access policy or the cluster's RBAC, with the path for each.</p>
        <form class="form" onSubmit={ask}>
          <div class="grid4">
            <TextField id="who-verb" label="Verb" required value={form.verb} onInput={set('verb')} />
            <TextField id="who-resource" label="Resource" required value={form.resource} onInput={set('resource')} />
            <TextField id="who-group" label="API group" value={form.group} onInput={set('group')} hint="Empty: the core group." />
            <TextField id="who-subresource" label="Subresource" value={form.subresource} onInput={set('subresource')} />
            <TextField id="who-namespace" label="Namespace" value={form.namespace} onInput={set('namespace')} hint="Empty: cluster-wide." />
            <TextField id="who-name" label="Name" value={form.name} onInput={set('name')} />
          </div>
          <div class="form-actions">
            <button type="submit" class="btn btn-primary" disabled={act.busy || !form.verb.trim() || !form.resource.trim()}>
              Find who can
            </button>
          </div>
        </form>
        <ErrorBox error={act.error} />
        {answer ? (
          answer.principals.length === 0 ? (
            <Empty>Nobody Entryway maps may {answer.request}.</Empty>
          ) : (
            <table class="table" aria-label="Who can">
              <caption>
                {answer.principals.length} {answer.principals.length === 1 ? 'principal' : 'principals'} may <span class="mono">{answer.request}</span>
              </caption>
              <thead>
                <tr>
                  <th scope="col">Principal</th>
                  <th scope="col">Mapped by</th>
                  <th scope="col">Kubernetes identity</th>
                  <th scope="col">How</th>
                </tr>
              </thead>
              <tbody>
                {answer.principals.map((r) => (
                  <tr key={r.principal}>
                    <td class="mono wrap">
                      <Principal cluster={cluster.name} row={r} />
                    </td>
                    <td>{sourceText(r.source)}</td>
                    <td class="wrap">
                      <span class="mono">{r.username}</span>
                      {r.groups.length ? <div class="muted">groups {r.groups.join(', ')}</div> : null}
                    </td>
                    <td class="wrap">
                      {r.paths.map((p, i) => (
                        <div key={i}>
                          <Badge tone={p.via === 'rbac' ? 'info' : p.via === 'system:masters' ? 'warn' : 'good'}>{p.via === 'rbac' ? 'RBAC' : p.via === 'access-policy' ? 'access policy' : p.via}</Badge> {p.description}
                          {p.conditional ? <span class="muted"> ({p.conditional})</span> : null}
                        </div>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        ) : null}
      </Card>
      <Card title="Risky rights">
        <p class="muted">Principals whose effective rights include cluster-admin equivalents, reading secrets, exec, attach or port-forward into pods, the kubelet API, escalate, bind or impersonate, writes to RBAC, service-account tokens or CSR approval.</p>
        <ErrorBox error={report.error} />
        {report.loading && !report.data ? <Loading what="Loading the access report" /> : null}
        {report.data && risky.length === 0 ? <Empty>No principal holds a risky right.</Empty> : null}
        {risky.length ? (
          <table class="table" aria-label="Risky rights">
            <thead>
              <tr>
                <th scope="col">Principal</th>
                <th scope="col">Mapped by</th>
                <th scope="col">Risky rights</th>
                <th scope="col">Last used</th>
              </tr>
            </thead>
            <tbody>
              {risky.map((r) => (
                <tr key={r.principal}>
                  <td class="mono wrap">
                    <Principal cluster={cluster.name} row={r} />
                    {r.inactive ? <div class="muted">inactive: {r.inactive}</div> : null}
                  </td>
                  <td>{sourceText(r.source)}</td>
                  <td class="wrap">
                    {withoutImplied(r.risks).map((f, i) => (
                      <div key={i}>
                        <Badge tone={f.id === 'cluster-admin' || f.id === 'namespace-admin' ? 'bad' : 'warn'}>{f.title}</Badge> <span class="muted">{scopeOf(f.scope)}</span> — {f.path}
                        {f.conditional ? <span class="muted"> ({f.conditional})</span> : null}
                      </div>
                    ))}
                  </td>
                  <td>{r.lastUsedAt ? ago(r.lastUsedAt) : <span class="muted">never</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Card>
    </>
  );
}
