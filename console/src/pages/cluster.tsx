import type { JSX } from 'preact';
import type { Cluster, SessionInfo, Update } from '../api';
import { api, clusterPath, fmtTime, listAll } from '../api';
import { Badge, Card, Empty, ErrorBox, KeyValues, Loading, statusTone, useLoad } from '../components';
import { Link } from '../router';
import { AccessPage } from './access';
import { CreateEntryPage } from './create-entry';
import { EntryPage } from './entry';
import { IdentityProvidersPage } from './identity-providers';
import { AwsAuthPage } from './aws-auth';
import { CheckerPage } from './checker';
import { DoctorPage } from './doctor';
import { EffectivePage } from './effective';

const TABS: [string, string][] = [
  ['', 'Overview'],
  ['access', 'Access'],
  ['identity-providers', 'Identity providers'],
  ['aws-auth', 'aws-auth'],
  ['checker', 'Access checker'],
  ['effective', 'Who can'],
  ['doctor', 'Doctor'],
];

export interface ClusterProps {
  cluster: Cluster;
  reload: () => void;
  query: URLSearchParams;
  session: SessionInfo;
}

export function ClusterPage({ name, rest, query, session }: { name: string; rest: string[]; query: URLSearchParams; session: SessionInfo }): JSX.Element {
  const { data, error, reload } = useLoad(() => api<{ cluster: Cluster }>('GET', clusterPath(name)).then((r) => r.cluster), [name]);
  const tab = rest[0] ?? '';
  const base = `/clusters/${encodeURIComponent(name)}`;
  let body: JSX.Element | null = null;
  if (data) {
    const p = { cluster: data, reload, query, session };
    if (tab === 'access' && rest[1] === 'new') body = <CreateEntryPage {...p} />;
    else if (tab === 'access' && rest[1] === 'entries' && rest[2]) body = <EntryPage {...p} principalArn={rest[2]} />;
    else if (tab === 'access') body = <AccessPage {...p} />;
    else if (tab === 'identity-providers') body = <IdentityProvidersPage {...p} />;
    else if (tab === 'aws-auth') body = <AwsAuthPage {...p} />;
    else if (tab === 'checker') body = <CheckerPage {...p} />;
    else if (tab === 'doctor') body = <DoctorPage {...p} />;
    else if (tab === 'effective') body = <EffectivePage {...p} />;
    else body = <Overview {...p} />;
  }
  return (
    <main id="main" class="main">
      <nav aria-label="Breadcrumb" class="crumbs">
        <Link href="/">Clusters</Link> <span aria-hidden="true">›</span> <span>{name}</span>
      </nav>
      <h1>
        {name} {data ? <Badge tone={statusTone(data.status)}>{data.status}</Badge> : null}
      </h1>
      <nav class="tabs" aria-label="Cluster">
        {TABS.map(([t, label]) => (
          <Link key={t} href={t ? `${base}/${t}` : base} class="tab" aria-current={tab === t ? 'page' : undefined}>
            {label}
          </Link>
        ))}
      </nav>
      <ErrorBox error={error} />
      {!data && !error ? <Loading what="Loading the cluster" /> : null}
      {body}
    </main>
  );
}

function Overview({ cluster }: ClusterProps): JSX.Element {
  const updates = useLoad(async () => {
    const ids = await listAll<string>(`${clusterPath(cluster.name)}/updates`, 'updateIds');
    const all = await Promise.all(ids.map((id) => api<{ update: Update }>('GET', `${clusterPath(cluster.name)}/updates/${encodeURIComponent(id)}`).then((r) => r.update)));
    return all.sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  }, [cluster.name, cluster.status]);
  const tags = Object.entries(cluster.tags ?? {});
  return (
    <>
      <Card title="Details">
        <KeyValues
          items={[
            ['ARN', <span class="mono">{cluster.arn}</span>],
            ['Status', <Badge tone={statusTone(cluster.status)}>{cluster.status}</Badge>],
            ['Authentication mode', cluster.accessConfig?.authenticationMode ?? 'CONFIG_MAP'],
            ['Kubernetes version', cluster.version],
            ['Platform version', cluster.platformVersion],
            ['API server endpoint', <span class="mono">{cluster.endpoint}</span>],
            ['Cluster IAM role', cluster.roleArn ? <span class="mono">{cluster.roleArn}</span> : undefined],
            ['Created', fmtTime(cluster.createdAt)],
            ['Certificate authority', cluster.certificateAuthority?.data ? `${cluster.certificateAuthority.data.length} characters (base64 PEM)` : undefined],
          ]}
        />
      </Card>
      <Card title="Updates">
        <ErrorBox error={updates.error} />
        {updates.data && updates.data.length === 0 ? <Empty>No updates.</Empty> : null}
        {updates.data && updates.data.length > 0 ? (
          <table class="table">
            <caption class="sr-only">Updates</caption>
            <thead>
              <tr>
                <th scope="col">Update ID</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Parameters</th>
                <th scope="col">Created</th>
                <th scope="col">Errors</th>
              </tr>
            </thead>
            <tbody>
              {updates.data.map((u) => (
                <tr key={u.id}>
                  <td class="mono">{u.id}</td>
                  <td>{u.type}</td>
                  <td>
                    <Badge tone={statusTone(u.status)}>{u.status}</Badge>
                  </td>
                  <td>
                    {(u.params ?? []).map((p) => (
                      <div key={p.type}>
                        {p.type}: <span class="mono">{p.value}</span>
                      </div>
                    ))}
                  </td>
                  <td>{fmtTime(u.createdAt)}</td>
                  <td>{(u.errors ?? []).map((e) => `${e.errorCode ?? ''} ${e.errorMessage ?? ''}`).join('; ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Card>
      <Card title="Tags">
        {tags.length === 0 ? (
          <Empty>No tags.</Empty>
        ) : (
          <table class="table">
            <caption class="sr-only">Tags</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {tags.map(([k, v]) => (
                <tr key={k}>
                  <td>{k}</td>
                  <td>{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
