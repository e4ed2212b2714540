import type { JSX } from 'preact';
import type { Cluster } from '../api';
import { api, clusterPath, entrywayCluster, fmtTime, listAll } from '../api';
import { Badge, Empty, ErrorBox, Loading, statusTone, useLoad } from '../components';
import { Link } from '../router';

interface Row {
  cluster?: Cluster;
  name: string;
  entries?: number;
  error?: unknown;
}

export function ClustersPage(): JSX.Element {
  const { data, error, loading } = useLoad(async () => {
    const names = await listAll<string>('/clusters', 'clusters');
    return Promise.all(
      names.map(async (name): Promise<Row> => {
        try {
          const [c, n] = await Promise.all([
            api<{ cluster: Cluster }>('GET', clusterPath(name)),
            api<{ count: number }>('GET', `${entrywayCluster(name)}/access-entries?countOnly=true`).catch(() => undefined),
          ]);
          return { name, cluster: c.cluster, ...(n ? { entries: n.count } : {}) };
        } catch (e) {
          return { name, error: e };
        }
      }),
    );
  }, []);
  return (
    <main id="main" class="main">
      <h1>Clusters</h1>
      <ErrorBox error={error} />
      {loading && !data ? <Loading what="Loading clusters" /> : null}
      {data && data.length === 0 ? <Empty>No clusters yet. Create one with <code>aws eks create-cluster</code> against Entryway's endpoint.</Empty> : null}
      {data && data.length > 0 ? (
        <table class="table">
          <caption class="sr-only">Clusters</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Authentication mode</th>
              <th scope="col">Access entries</th>
              <th scope="col">Kubernetes version</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {data.map((r) => (
              <tr key={r.name}>
                <td>
                  <Link href={`/clusters/${encodeURIComponent(r.name)}`}>{r.name}</Link>
                </td>
                {r.cluster ? (
                  <>
                    <td>
                      <Badge tone={statusTone(r.cluster.status)}>{r.cluster.status}</Badge>
                    </td>
                    <td>{r.cluster.accessConfig?.authenticationMode ?? 'CONFIG_MAP'}</td>
                    <td>{r.entries ?? '—'}</td>
                    <td>{r.cluster.version ?? '—'}</td>
                    <td>{fmtTime(r.cluster.createdAt)}</td>
                  </>
                ) : (
                  <td colSpan={5}>
                    <ErrorBox error={r.error} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </main>
  );
}
