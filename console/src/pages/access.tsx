import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import type { AccessEntry, Update } from '../api';
import { ago, api, accessPolicies, clusterPath, entrywayCluster, ENTRY_TYPES, fmtTime, MODES, nextMode, policyName, scopeText } from '../api';
import { Badge, Card, Confirm, Empty, ErrorBox, Loading, Notice, Pager, useAction, useLoad } from '../components';
import { Link, setQuery } from '../router';
import type { ClusterProps } from './cluster';

const PAGE = 50;

export function loadEntries(cluster: string): Promise<AccessEntry[]> {
  return api<{ accessEntries: AccessEntry[] }>('GET', `${entrywayCluster(cluster)}/access-entries`).then((r) => r.accessEntries);
}

/** Waits for an asynchronous EKS update to finish (polling DescribeUpdate). */
export async function waitForUpdate(cluster: string, id: string, onStatus: (u: Update) => void): Promise<Update> {
  for (let i = 0; i < 120; i++) {
    const u = (await api<{ update: Update }>('GET', `${clusterPath(cluster)}/updates/${encodeURIComponent(id)}`)).update;
    onStatus(u);
    if (u.status !== 'InProgress') return u;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Update ${id} is still in progress; see the cluster's Overview.`);
}

function ModeCard({ cluster, reload }: ClusterProps): JSX.Element {
  const mode = cluster.accessConfig?.authenticationMode ?? 'CONFIG_MAP';
  const next = nextMode(mode);
  const [asking, setAsking] = useState(false);
  const [progress, setProgress] = useState<Update | undefined>(undefined);
  const act = useAction();
  const change = () =>
    act.run(async () => {
      const r = await api<{ update: Update }>('POST', `${clusterPath(cluster.name)}/update-config`, { accessConfig: { authenticationMode: next } });
      setAsking(false);
      setProgress(r.update);
      const done = await waitForUpdate(cluster.name, r.update.id, setProgress);
      if (done.status !== 'Successful') throw new Error(`The update ended ${done.status}: ${(done.errors ?? []).map((e) => e.errorMessage).join('; ')}`);
      reload();
    });
  return (
    <Card
      title="Authentication mode"
      actions={
        next ? (
          <button type="button" class="btn" onClick={() => (act.clear(), setAsking(true))} disabled={act.busy}>
            Change to {next}
          </button>
        ) : null
      }
    >
      <ol class="modes" aria-label="Authentication modes, in the only order allowed">
        {MODES.map((m) => (
          <li key={m} class={m === mode ? 'mode mode-current' : MODES.indexOf(m) < MODES.indexOf(mode as (typeof MODES)[number]) ? 'mode mode-past' : 'mode'} aria-current={m === mode ? 'step' : undefined}>
            {m}
          </li>
        ))}
      </ol>
      <p class="muted">
        {mode === 'CONFIG_MAP'
          ? 'Only the aws-auth ConfigMap maps IAM principals; access entries are ignored.'
          : mode === 'API_AND_CONFIG_MAP'
            ? 'Access entries and the aws-auth ConfigMap both map principals; an access entry wins over an aws-auth row for the same principal.'
            : 'Only access entries map principals; the aws-auth ConfigMap is ignored.'}
      </p>
      {progress ? (
        <Notice kind={progress.status === 'Successful' ? 'success' : 'info'}>
          Update <span class="mono">{progress.id}</span>: {progress.status}
        </Notice>
      ) : null}
      <ErrorBox error={act.error} />
      <Confirm open={asking} title={`Change the authentication mode to ${next ?? ''}?`} confirmLabel={`Change to ${next ?? ''}`} danger busy={act.busy} onCancel={() => setAsking(false)} onConfirm={() => void change()}>
        <p>
          <strong>This cannot be undone.</strong> EKS allows the authentication mode to move only forward, CONFIG_MAP → API_AND_CONFIG_MAP → API; once the cluster is in {next}, it
          can never go back to {mode}.
        </p>
        {next === 'API' ? <p>The aws-auth ConfigMap will stop mapping anyone: every principal that has only an aws-auth row loses access. Review the migration plan on the aws-auth tab first.</p> : null}
      </Confirm>
    </Card>
  );
}

export function AccessPage(props: ClusterProps): JSX.Element {
  const { cluster, query } = props;
  const entries = useLoad(() => loadEntries(cluster.name), [cluster.name]);
  const policies = useLoad(() => accessPolicies(), []);
  const q = query.get('q') ?? '';
  const type = query.get('type') ?? '';
  const policy = query.get('policy') ?? '';
  const sort = query.get('sort') ?? 'principal';
  const page = Math.max(1, Number(query.get('page') ?? '1') || 1);
  const [draft, setDraft] = useState(q);

  const filtered = useMemo(() => {
    const all = entries.data ?? [];
    const needle = q.toLowerCase();
    const rows = all.filter(
      (e) =>
        (!type || e.type === type) &&
        (!policy || (e.associatedAccessPolicies ?? []).some((a) => policyName(a.policyArn) === policy)) &&
        (!needle || e.principalArn.toLowerCase().includes(needle) || e.username.toLowerCase().includes(needle) || e.kubernetesGroups.some((g) => g.toLowerCase().includes(needle))),
    );
    const desc = sort.startsWith('-');
    const key = desc ? sort.slice(1) : sort;
    const val = (e: AccessEntry): string | number => (key === 'type' ? e.type : key === 'username' ? e.username : key === 'created' ? e.createdAt : key === 'used' ? (e.lastUsedAt ?? 0) : e.principalArn);
    rows.sort((a, b) => {
      const x = val(a);
      const y = val(b);
      const c = x < y ? -1 : x > y ? 1 : 0;
      return desc ? -c : c;
    });
    return rows;
  }, [entries.data, q, type, policy, sort]);
  const pages = Math.max(1, Math.ceil(filtered.length / PAGE));
  const shown = filtered.slice((Math.min(page, pages) - 1) * PAGE, Math.min(page, pages) * PAGE);
  const sortHeader = (key: string, label: string) => {
    const active = sort === key || sort === `-${key}`;
    const desc = sort === `-${key}`;
    return (
      <th scope="col" aria-sort={active ? (desc ? 'descending' : 'ascending') : 'none'}>
        <button type="button" class="sort" onClick={() => setQuery({ sort: active && !desc ? `-${key}` : key, page: undefined })}>
          {label} {active ? (desc ? '▼' : '▲') : ''}
        </button>
      </th>
    );
  };
  return (
    <>
      <ModeCard {...props} />
      <Card
        title={`Access entries${entries.data ? ` (${entries.data.length})` : ''}`}
        id="entries-heading"
        actions={
          <Link href={`/clusters/${encodeURIComponent(cluster.name)}/access/new`} class="btn btn-primary">
            Create access entry
          </Link>
        }
      >
        <form
          class="filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setQuery({ q: draft, page: undefined });
          }}
        >
          <div class="field">
            <label for="entry-search">Search</label>
            <input id="entry-search" type="search" value={draft} placeholder="Principal, username or group" onInput={(e) => {
              const v = (e.target as HTMLInputElement).value;
              setDraft(v);
              setQuery({ q: v, page: undefined });
            }} />
          </div>
          <div class="field">
            <label for="entry-type">Type</label>
            <select id="entry-type" value={type} onChange={(e) => setQuery({ type: (e.target as HTMLSelectElement).value, page: undefined })}>
              <option value="">All types</option>
              {ENTRY_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="entry-policy">Access policy</label>
            <select id="entry-policy" value={policy} onChange={(e) => setQuery({ policy: (e.target as HTMLSelectElement).value, page: undefined })}>
              <option value="">Any policy</option>
              {(policies.data ?? []).map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
        </form>
        <ErrorBox error={entries.error} />
        {entries.loading && !entries.data ? <Loading what="Loading access entries" /> : null}
        {entries.data && entries.data.length === 0 ? <Empty>No access entries. {cluster.accessConfig?.authenticationMode === 'CONFIG_MAP' || !cluster.accessConfig?.authenticationMode ? 'In CONFIG_MAP mode access entries are not used; change the authentication mode first.' : ''}</Empty> : null}
        {entries.data && entries.data.length > 0 ? (
          <>
            <p class="muted" aria-live="polite">
              {filtered.length === entries.data.length ? `${filtered.length} ${filtered.length === 1 ? 'entry' : 'entries'}` : `${filtered.length} of ${entries.data.length} entries match`}
            </p>
            <table class="table" aria-describedby="entries-heading">
              <thead>
                <tr>
                  {sortHeader('principal', 'IAM principal')}
                  {sortHeader('type', 'Type')}
                  {sortHeader('username', 'Username')}
                  <th scope="col">Groups</th>
                  <th scope="col">Access policies</th>
                  {sortHeader('created', 'Created')}
                  {sortHeader('used', 'Last used')}
                </tr>
              </thead>
              <tbody>
                {shown.map((e) => (
                  <tr key={e.principalArn}>
                    <td class="mono wrap">
                      <Link href={`/clusters/${encodeURIComponent(cluster.name)}/access/entries/${encodeURIComponent(e.principalArn)}`}>{e.principalArn}</Link>
                    </td>
                    <td>{e.type}</td>
                    <td class="mono wrap">{e.username}</td>
                    <td>{e.kubernetesGroups.length ? e.kubernetesGroups.join(', ') : '—'}</td>
                    <td>
                      {(e.associatedAccessPolicies ?? []).length === 0
                        ? '—'
                        : (e.associatedAccessPolicies ?? []).map((a) => (
                            <div key={a.policyArn}>
                              <Badge tone="info">{policyName(a.policyArn)}</Badge> <span class="muted">{scopeText(a.accessScope)}</span>
                            </div>
                          ))}
                    </td>
                    <td>{fmtTime(e.createdAt)}</td>
                    <td>
                      {e.lastUsedAt ? (
                        <>
                          <time dateTime={new Date(e.lastUsedAt).toISOString()}>{ago(e.lastUsedAt)}</time>
                          {e.lastUsedFrom ? <div class="muted">from {e.lastUsedFrom}</div> : null}
                        </>
                      ) : (
                        <span class="muted">never</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager page={Math.min(page, pages)} pages={pages} total={filtered.length} label="Access entries" onPage={(p) => setQuery({ page: String(p) })} />
          </>
        ) : null}
      </Card>
    </>
  );
}
