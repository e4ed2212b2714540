import type { JSX } from 'preact';
import { accessPolicies, clusterPath, listAll } from '../api';
import { Badge, Card, Empty, ErrorBox, Loading, Select, useLoad } from '../components';
import { Link, setQuery } from '../router';
import { RulesTable } from './checker';

export function PoliciesPage(): JSX.Element {
  const p = useLoad(() => accessPolicies(), []);
  return (
    <main id="main" class="main">
      <h1>Access policies</h1>
      <p class="muted">EKS's managed access policies: sets of Kubernetes RBAC rules an access entry gets, cluster-wide or in chosen namespaces.</p>
      <ErrorBox error={p.error} />
      {p.loading && !p.data ? <Loading what="Loading access policies" /> : null}
      {p.data ? (
        <table class="table">
          <caption class="sr-only">Access policies</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              <th scope="col">Rules</th>
            </tr>
          </thead>
          <tbody>
            {p.data.map((x) => (
              <tr key={x.name}>
                <td>
                  <Link href={`/access-policies/${encodeURIComponent(x.name)}`}>{x.name}</Link>
                </td>
                <td>
                  {x.description} {x.serviceLinkedRolesOnly ? <Badge>service-linked roles only</Badge> : null}
                </td>
                <td>{x.rulesDocumented ? x.rules.length : <Badge tone="warn">not published</Badge>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </main>
  );
}

export function PolicyPage({ name, query }: { name: string; query: URLSearchParams }): JSX.Element {
  const p = useLoad(() => accessPolicies().then((all) => all.find((x) => x.name === name)), [name]);
  const clusters = useLoad(() => listAll<string>('/clusters', 'clusters'), []);
  const cluster = query.get('cluster') ?? clusters.data?.[0] ?? '';
  const users = useLoad(
    () => (cluster && p.data ? listAll<string>(`${clusterPath(cluster)}/access-entries?associatedPolicyArn=${encodeURIComponent(p.data.arn)}`, 'accessEntries') : Promise.resolve(undefined)),
    [cluster, p.data?.arn],
  );
  return (
    <main id="main" class="main">
      <nav aria-label="Breadcrumb" class="crumbs">
        <Link href="/access-policies">Access policies</Link> <span aria-hidden="true">›</span> <span>{name}</span>
      </nav>
      <h1>{name}</h1>
      <ErrorBox error={p.error} />
      {p.data === undefined && p.loading ? <Loading /> : null}
      {!p.loading && !p.data && !p.error ? <Empty>There is no access policy named {name}.</Empty> : null}
      {p.data ? (
        <>
          <Card title="Rules">
            <p>
              <span class="mono">{p.data.arn}</span>
            </p>
            <p>{p.data.description}</p>
            {p.data.mirrorsKubernetesClusterRole ? (
              <p class="muted">
                Mirrors the Kubernetes ClusterRole <span class="mono">{p.data.mirrorsKubernetesClusterRole}</span>.
              </p>
            ) : null}
            {p.data.allowedScopes ? <p class="muted">Scopes: {p.data.allowedScopes.join(', ')}.</p> : null}
            {p.data.rulesDocumented ? <RulesTable rules={p.data.rules} caption={`${name} rules`} /> : <Empty>AWS publishes no rules for this policy; Entryway grants nothing with it.</Empty>}
          </Card>
          <Card title="Used by">
            {clusters.data && clusters.data.length > 0 ? (
              <Select id="policy-cluster" label="Cluster" value={cluster} onChange={(v) => setQuery({ cluster: v })} options={clusters.data} />
            ) : (
              <Empty>No clusters.</Empty>
            )}
            <ErrorBox error={users.error ?? clusters.error} />
            {users.data && users.data.length === 0 ? <Empty>No access entry of {cluster} uses {name}.</Empty> : null}
            {users.data && users.data.length > 0 ? (
              <ul class="plain">
                {users.data.map((arn) => (
                  <li key={arn} class="mono">
                    <Link href={`/clusters/${encodeURIComponent(cluster)}/access/entries/${encodeURIComponent(arn)}`}>{arn}</Link>
                  </li>
                ))}
              </ul>
            ) : null}
          </Card>
        </>
      ) : null}
    </main>
  );
}
