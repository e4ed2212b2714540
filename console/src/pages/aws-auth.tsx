import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, entrywayCluster, fmtTime } from '../api';
import { Badge, Card, Empty, ErrorBox, Loading, Notice, Select, TextArea, useAction, useLoad } from '../components';
import type { ClusterProps } from './cluster';

interface Mapping {
  kind: 'role' | 'user';
  arn: string;
  username: string;
  groups: string[];
}
interface AwsAuth {
  source: string;
  mapRoles: Mapping[];
  mapUsers: Mapping[];
  mapAccounts: string[];
  appliedAt: number;
  warnings: string[];
  lastError?: { at: number; message: string };
}
interface Problem {
  code: string;
  severity: 'blocker' | 'warning' | 'info';
  message: string;
}
interface PlanItem {
  id: string;
  mapping: Mapping;
  status: string;
  entry?: { principalArn: string; type: string; effectiveUsername: string; kubernetesGroups: string[]; accessPolicies: { policyArn: string }[] };
  differences: string[];
  problems: Problem[];
}
interface Report {
  plan: { target: string; currentMode: string; transitions: string[]; items: PlanItem[]; accounts: { accountId: string; problem: Problem }[]; blocked: boolean; blockers: string[]; summary: Record<string, number> };
  equivalence: { principal: string; identityChanged: boolean; permissionsChanged: boolean; lost: string[]; gained: string[] }[];
  changes: boolean;
}

const EXAMPLE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapRoles: |
    - rolearn: arn:aws:iam::111122223333:role/ops
      username: ops:{{SessionName}}
      groups:
        - ops
`;

const STATUS_TONE: Record<string, 'good' | 'warn' | 'bad' | 'info' | 'neutral'> = { create: 'info', exists_identical: 'good', exists_different: 'warn', cannot_migrate: 'bad', not_needed: 'neutral' };

function MappingTable({ rows, caption }: { rows: Mapping[]; caption: string }): JSX.Element {
  if (!rows.length) return <Empty>No {caption} rows.</Empty>;
  return (
    <table class="table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">ARN</th>
          <th scope="col">Username</th>
          <th scope="col">Groups</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((m, i) => (
          <tr key={`${m.arn}-${i}`}>
            <td class="mono wrap">{m.arn}</td>
            <td class="mono wrap">{m.username}</td>
            <td>{m.groups.join(', ') || '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AwsAuthPage({ cluster, reload: reloadCluster }: ClusterProps): JSX.Element {
  const path = `${entrywayCluster(cluster.name)}/aws-auth`;
  const current = useLoad(
    () =>
      api<{ awsAuth: AwsAuth }>('GET', path).then(
        (r) => r.awsAuth,
        (e: unknown) => {
          if (e instanceof ApiError && e.status === 404) return null;
          throw e;
        },
      ),
    [path],
  );
  const [yaml, setYaml] = useState('');
  const [view, setView] = useState<'table' | 'yaml'>('table');
  const [applied, setApplied] = useState<string | undefined>(undefined);
  const [target, setTarget] = useState('API_AND_CONFIG_MAP');
  const [report, setReport] = useState<Report | undefined>(undefined);
  const [migrated, setMigrated] = useState<string | undefined>(undefined);
  const [allowChanges, setAllowChanges] = useState(false);
  const apply = useAction();
  const plan = useAction();
  const migrate = useAction();
  useEffect(() => {
    if (current.data !== undefined) setYaml(current.data?.source ?? EXAMPLE);
  }, [current.data]);
  const doApply = (e: Event) => {
    e.preventDefault();
    setApplied(undefined);
    void apply.run(async () => {
      const r = await api<{ applied: boolean; mapRoles: number; mapUsers: number; mapAccounts: number; warnings: string[]; ignoredInApiMode?: boolean }>('PUT', path, { yaml });
      setApplied(
        `${r.applied ? 'Applied' : 'Unchanged'}: ${r.mapRoles} mapRoles, ${r.mapUsers} mapUsers, ${r.mapAccounts} mapAccounts rows.${r.warnings.length ? ` Warnings: ${r.warnings.join(' ')}` : ''}${r.ignoredInApiMode ? ' The cluster is in API mode: aws-auth maps nobody.' : ''}`,
      );
      current.reload();
    });
  };
  const doPlan = () =>
    plan.run(async () => {
      setMigrated(undefined);
      setReport(await api<Report>('POST', `${entrywayCluster(cluster.name)}/migration/plan`, { targetMode: target }));
    });
  const doMigrate = () =>
    migrate.run(async () => {
      const r = await api<{ steps: string[] }>('POST', `${entrywayCluster(cluster.name)}/migration/apply`, { targetMode: target, allowChanges });
      setMigrated(`Done: ${r.steps.length ? r.steps.join('; ') : 'nothing to do'}.`);
      reloadCluster();
      current.reload();
    });
  const a = current.data;
  return (
    <>
      <Card
        title="Current mapping"
        actions={
          a ? (
            <div class="segmented" role="group" aria-label="Show the mapping as">
              <button type="button" class="btn btn-small" aria-pressed={view === 'table'} onClick={() => setView('table')}>
                Table
              </button>
              <button type="button" class="btn btn-small" aria-pressed={view === 'yaml'} onClick={() => setView('yaml')}>
                YAML
              </button>
            </div>
          ) : null
        }
      >
        {current.loading && current.data === undefined ? <Loading what="Loading aws-auth" /> : null}
        <ErrorBox error={current.error} />
        {cluster.accessConfig?.authenticationMode === 'API' ? <Notice kind="warning">The cluster is in API mode: the aws-auth ConfigMap maps nobody.</Notice> : null}
        {a === null ? <Empty>This cluster has no aws-auth ConfigMap.</Empty> : null}
        {a ? (
          <>
            <p class="muted">Applied {fmtTime(Math.floor(a.appliedAt / 1000))}</p>
            {a.lastError ? (
              <div class="alert alert-error" role="alert">
                <strong class="alert-code">Last document rejected {fmtTime(Math.floor(a.lastError.at / 1000))}</strong>
                <span>{a.lastError.message}</span>
                <span>The mapping below (the last good document) is still in force.</span>
              </div>
            ) : null}
            {a.warnings.length ? (
              <Notice kind="warning">
                Rows skipped: {a.warnings.map((w, i) => (
                  <span key={i} class="block">
                    {w}
                  </span>
                ))}
              </Notice>
            ) : null}
            {view === 'yaml' ? (
              <pre class="json" aria-label="aws-auth YAML">
                {a.source}
              </pre>
            ) : (
              <>
                <MappingTable rows={a.mapRoles} caption="mapRoles" />
                <MappingTable rows={a.mapUsers} caption="mapUsers" />
                <h3>mapAccounts</h3>
                {a.mapAccounts.length ? <p class="mono">{a.mapAccounts.join(', ')}</p> : <Empty>None.</Empty>}
              </>
            )}
          </>
        ) : null}
      </Card>
      <Card title="Apply a document">
        <form class="form" onSubmit={doApply}>
          <TextArea id="aws-auth-yaml" label="aws-auth ConfigMap (YAML)" value={yaml} onInput={setYaml} rows={14} mono hint="The whole ConfigMap, as kubectl get configmap aws-auth -n kube-system -o yaml prints it. A rejected document leaves the current mapping in force." />
          {applied ? <Notice kind="success">{applied}</Notice> : null}
          <ErrorBox error={apply.error} />
          <div class="form-actions">
            <button type="submit" class="btn btn-primary" disabled={apply.busy || !yaml.trim()}>
              Apply
            </button>
          </div>
        </form>
      </Card>
      <Card title="Migration to access entries">
        <p class="muted">Every aws-auth row, what access entry it becomes, and what would stop or change on the way to the target mode.</p>
        <div class="row">
          <Select id="migration-target" label="Target mode" value={target} onChange={setTarget} options={['API_AND_CONFIG_MAP', 'API']} />
          <button type="button" class="btn" onClick={() => void doPlan()} disabled={plan.busy}>
            Show the migration plan
          </button>
        </div>
        <ErrorBox error={plan.error} />
        {report ? <PlanView report={report} /> : null}
        {report ? (
          <div class="form-actions">
            {migrated ? <Notice kind="success">{migrated}</Notice> : null}
            <ErrorBox error={migrate.error} />
            {report.changes ? (
              <label class="check">
                <input type="checkbox" checked={allowChanges} onChange={(e) => setAllowChanges((e.target as HTMLInputElement).checked)} /> Apply although some principals' identity or permissions change
              </label>
            ) : null}
            <button type="button" class="btn btn-primary" disabled={migrate.busy || report.plan.blocked} onClick={() => void doMigrate()}>
              Apply the migration to {report.plan.target}
            </button>
          </div>
        ) : null}
      </Card>
    </>
  );
}

function PlanView({ report }: { report: Report }): JSX.Element {
  const p = report.plan;
  return (
    <div class="plan">
      <p>
        From <strong>{p.currentMode}</strong> to <strong>{p.target}</strong>: {p.transitions.length ? `mode changes ${p.transitions.join(' → ')}` : 'no mode change'}.{' '}
        {Object.entries(p.summary)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${n} ${k.replace(/_/g, ' ')}`)
          .join(', ')}
      </p>
      {p.blocked ? (
        <div class="alert alert-error" role="alert">
          <strong class="alert-code">Blocked</strong>
          {p.blockers.map((b, i) => (
            <span key={i} class="block">
              {b}
            </span>
          ))}
        </div>
      ) : null}
      {report.changes ? <Notice kind="warning">Some principal's identity or permissions would change; see the rows marked below.</Notice> : <Notice kind="success">Every principal keeps its identity and permissions.</Notice>}
      {p.items.length === 0 ? (
        <Empty>aws-auth has no mapRoles or mapUsers rows.</Empty>
      ) : (
        <table class="table">
          <caption>Migration plan</caption>
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">aws-auth</th>
              <th scope="col">Becomes</th>
              <th scope="col">Status</th>
              <th scope="col">Problems</th>
            </tr>
          </thead>
          <tbody>
            {p.items.map((i) => (
              <tr key={i.id}>
                <td class="mono">{i.id}</td>
                <td>
                  <div class="mono wrap">{i.mapping.arn}</div>
                  <div class="muted">
                    {i.mapping.username} [{i.mapping.groups.join(', ')}]
                  </div>
                </td>
                <td>
                  {i.entry ? (
                    <>
                      <div>{i.entry.type}</div>
                      <div class="mono wrap">{i.entry.effectiveUsername}</div>
                      <div class="muted">{[...i.entry.kubernetesGroups, ...i.entry.accessPolicies.map((x) => x.policyArn.slice(x.policyArn.lastIndexOf('/') + 1))].join(', ')}</div>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td>
                  <Badge tone={STATUS_TONE[i.status] ?? 'neutral'}>{i.status.replace(/_/g, ' ')}</Badge>
                  {i.differences.map((d, k) => (
                    <div key={k} class="muted">
                      {d}
                    </div>
                  ))}
                </td>
                <td>
                  {i.problems.map((x, k) => (
                    <div key={k}>
                      <Badge tone={x.severity === 'blocker' ? 'bad' : x.severity === 'warning' ? 'warn' : 'neutral'}>{x.severity}</Badge> {x.message}
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {p.accounts.map((x) => (
        <Notice key={x.accountId} kind="warning">
          mapAccounts {x.accountId}: {x.problem.message}
        </Notice>
      ))}
    </div>
  );
}
