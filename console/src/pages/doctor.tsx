import type { JSX } from 'preact';
import { api, entrywayCluster } from '../api';
import { Badge, Card, Empty, ErrorBox, Loading, useLoad } from '../components';
import { Link } from '../router';
import type { ClusterProps } from './cluster';
import { loadEntries } from './access';

interface Finding {
  severity: 'error' | 'warning' | 'info';
  code: string;
  subject: string;
  message: string;
}

export function DoctorPage({ cluster }: ClusterProps): JSX.Element {
  const r = useLoad(async () => {
    const [report, entries] = await Promise.all([api<{ findings: Finding[]; authenticationMode: string }>('GET', `${entrywayCluster(cluster.name)}/doctor`), loadEntries(cluster.name).catch(() => [])]);
    return { report, entries: new Set(entries.map((e) => e.principalArn)) };
  }, [cluster.name]);
  const base = `/clusters/${encodeURIComponent(cluster.name)}`;
  return (
    <Card title="Doctor">
      <p class="muted">Stale and useless access entries, shadowed aws-auth rows, principals that cannot authenticate, and lock-out risks.</p>
      <ErrorBox error={r.error} />
      {r.loading && !r.data ? <Loading what="Examining the cluster" /> : null}
      {r.data && r.data.report.findings.length === 0 ? <Empty>No findings.</Empty> : null}
      {r.data && r.data.report.findings.length > 0 ? (
        <table class="table">
          <caption class="sr-only">Findings</caption>
          <thead>
            <tr>
              <th scope="col">Severity</th>
              <th scope="col">Finding</th>
              <th scope="col">About</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {r.data.report.findings.map((f, i) => (
              <tr key={i}>
                <td>
                  <Badge tone={f.severity === 'error' ? 'bad' : f.severity === 'warning' ? 'warn' : 'neutral'}>{f.severity}</Badge>
                </td>
                <td class="mono">{f.code}</td>
                <td class="mono wrap">
                  {r.data!.entries.has(f.subject) ? <Link href={`${base}/access/entries/${encodeURIComponent(f.subject)}`}>{f.subject}</Link> : f.subject}
                </td>
                <td>{f.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Card>
  );
}
