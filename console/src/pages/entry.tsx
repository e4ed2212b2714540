import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { AccessEntry, AssociatedPolicy } from '../api';
import { accessPolicies, api, clusterPath, fmtTime, policyName, scopeText } from '../api';
import { Badge, Card, Confirm, Empty, ErrorBox, KeyValues, Loading, Notice, TextField, useAction, useLoad } from '../components';
import { Link, navigate, qs } from '../router';
import type { ClusterProps } from './cluster';
import { splitList } from './create-entry';
import type { PolicyChoice } from './policy-form';
import { emptyChoice, PolicyChooser, scopeOf } from './policy-form';

export function EntryPage({ cluster, principalArn }: ClusterProps & { principalArn: string }): JSX.Element {
  const path = `${clusterPath(cluster.name)}/access-entries/${encodeURIComponent(principalArn)}`;
  const base = `/clusters/${encodeURIComponent(cluster.name)}`;
  const entry = useLoad(
    () =>
      Promise.all([
        api<{ accessEntry: AccessEntry }>('GET', path).then((r) => r.accessEntry),
        api<{ associatedAccessPolicies: AssociatedPolicy[] }>('GET', `${path}/access-policies`).then((r) => r.associatedAccessPolicies),
      ]),
    [path],
  );
  const policies = useLoad(() => accessPolicies(), []);
  const [username, setUsername] = useState('');
  const [groups, setGroups] = useState('');
  const [adding, setAdding] = useState<PolicyChoice | undefined>(undefined);
  const [editing, setEditing] = useState<{ arn: string; choice: PolicyChoice } | undefined>(undefined);
  const [deleting, setDeleting] = useState(false);
  const [saved, setSaved] = useState<string | undefined>(undefined);
  const edit = useAction();
  const assoc = useAction();
  const del = useAction();
  const e = entry.data?.[0];
  const assocs = entry.data?.[1] ?? [];
  useEffect(() => {
    if (e) {
      setUsername(e.username);
      setGroups(e.kubernetesGroups.join(', '));
    }
  }, [e?.modifiedAt, e?.principalArn]);
  if (entry.error)
    return (
      <>
        <ErrorBox error={entry.error} />
        <Link href={`${base}/access`}>Back to access entries</Link>
      </>
    );
  if (!e) return <Loading what="Loading the access entry" />;
  const standard = e.type === 'STANDARD';
  const save = (ev: Event) => {
    ev.preventDefault();
    setSaved(undefined);
    void edit.run(async () => {
      await api('POST', path, { username: username.trim() || undefined, kubernetesGroups: splitList(groups) });
      setSaved('Saved.');
      entry.reload();
    });
  };
  const associate = (c: PolicyChoice) =>
    assoc.run(async () => {
      await api('POST', `${path}/access-policies`, { policyArn: c.policyArn, accessScope: scopeOf(c) });
      setAdding(undefined);
      setEditing(undefined);
      entry.reload();
    });
  const disassociate = (arn: string) =>
    assoc.run(async () => {
      await api('DELETE', `${path}/access-policies/${encodeURIComponent(arn)}`);
      entry.reload();
    });
  const remove = () =>
    del.run(async () => {
      await api('DELETE', path);
      setDeleting(false);
      navigate(`${base}/access`);
    });
  return (
    <>
      <nav aria-label="Entry" class="crumbs">
        <Link href={`${base}/access`}>Access entries</Link> <span aria-hidden="true">›</span> <span class="mono">{e.principalArn}</span>
      </nav>
      <Card
        title="Access entry"
        actions={
          <>
            <Link class="btn" href={`${base}/checker${qs({ principal: e.principalArn })}`}>
              Check access
            </Link>
            <Link class="btn" href={`/audit${qs({ target: e.principalArn, cluster: cluster.name })}`}>
              History
            </Link>
            <button type="button" class="btn btn-danger" onClick={() => (del.clear(), setDeleting(true))}>
              Delete
            </button>
          </>
        }
      >
        <KeyValues
          items={[
            ['IAM principal', <span class="mono">{e.principalArn}</span>],
            ['Type', e.type],
            ['Username', <span class="mono">{e.username}</span>],
            ['Groups', e.kubernetesGroups.join(', ')],
            ['Access entry ARN', <span class="mono">{e.accessEntryArn}</span>],
            ['Created', fmtTime(e.createdAt)],
            ['Modified', fmtTime(e.modifiedAt)],
            [
              'Tags',
              Object.keys(e.tags ?? {}).length ? (
                <ul class="plain">
                  {Object.entries(e.tags).map(([k, v]) => (
                    <li key={k}>
                      <span class="mono">{k}</span> = <span class="mono">{v}</span>
                    </li>
                  ))}
                </ul>
              ) : undefined,
            ],
          ]}
        />
      </Card>
      <Card title="Username and groups">
        <form class="form" onSubmit={save}>
          <TextField id="edit-username" label="Kubernetes username" value={username} onInput={setUsername} hint={standard ? 'Templates like {{SessionName}} are allowed.' : 'Node entries keep the username EKS gives them.'} />
          <TextField id="edit-groups" label="Kubernetes groups" value={groups} onInput={setGroups} hint="Comma-separated." />
          {saved ? <Notice kind="success">{saved}</Notice> : null}
          <ErrorBox error={edit.error} />
          <div class="form-actions">
            <button type="submit" class="btn btn-primary" disabled={edit.busy}>
              Save changes
            </button>
          </div>
        </form>
      </Card>
      <Card
        title="Access policies"
        actions={
          standard && !adding ? (
            <button type="button" class="btn" disabled={!policies.data} onClick={() => (assoc.clear(), setAdding(emptyChoice(policies.data ?? [])))}>
              Associate access policy
            </button>
          ) : null
        }
      >
        {adding ? (
          <form
            class="form inline-form"
            onSubmit={(ev) => {
              ev.preventDefault();
              void associate(adding);
            }}
          >
            <PolicyChooser id="assoc" value={adding} onChange={setAdding} policies={policies.data ?? []} />
            <div class="form-actions">
              <button type="button" class="btn" onClick={() => setAdding(undefined)}>
                Cancel
              </button>
              <button type="submit" class="btn btn-primary" disabled={assoc.busy}>
                Associate
              </button>
            </div>
          </form>
        ) : null}
        <ErrorBox error={assoc.error} />
        {assocs.length === 0 ? (
          <Empty>No access policies: this entry's rights come only from RBAC bindings of its username and groups.</Empty>
        ) : (
          <table class="table">
            <caption class="sr-only">Associated access policies</caption>
            <thead>
              <tr>
                <th scope="col">Policy</th>
                <th scope="col">Access scope</th>
                <th scope="col">Associated</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {assocs.map((a) => (
                <tr key={a.policyArn}>
                  <td>
                    <Link href={`/access-policies/${encodeURIComponent(policyName(a.policyArn))}`}>{policyName(a.policyArn)}</Link>
                  </td>
                  <td>
                    {editing?.arn === a.policyArn ? (
                      <form
                        class="inline-form"
                        onSubmit={(ev) => {
                          ev.preventDefault();
                          void associate(editing.choice);
                        }}
                      >
                        <PolicyChooser id="change" value={editing.choice} onChange={(c) => setEditing({ arn: a.policyArn, choice: { ...c, policyArn: a.policyArn } })} policies={(policies.data ?? []).filter((p) => p.arn === a.policyArn)} />
                        <button type="submit" class="btn btn-small btn-primary" disabled={assoc.busy}>
                          Save scope
                        </button>
                        <button type="button" class="btn btn-small" onClick={() => setEditing(undefined)}>
                          Cancel
                        </button>
                      </form>
                    ) : (
                      <Badge tone="info">{scopeText(a.accessScope)}</Badge>
                    )}
                  </td>
                  <td>{fmtTime(a.associatedAt)}</td>
                  <td class="actions">
                    <button
                      type="button"
                      class="btn btn-small"
                      onClick={() => setEditing({ arn: a.policyArn, choice: { policyArn: a.policyArn, scope: a.accessScope.type, namespaces: (a.accessScope.namespaces ?? []).join(', ') } })}
                    >
                      Change scope
                    </button>
                    <button type="button" class="btn btn-small btn-danger" disabled={assoc.busy} onClick={() => void disassociate(a.policyArn)}>
                      Disassociate
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Confirm open={deleting} title="Delete this access entry?" confirmLabel="Delete access entry" danger busy={del.busy} onCancel={() => setDeleting(false)} onConfirm={() => void remove()}>
        <p>
          <span class="mono">{e.principalArn}</span> loses the access this entry gives on {cluster.name} at once, with its {assocs.length} access{' '}
          {assocs.length === 1 ? 'policy' : 'policies'}. Entryway refuses to delete the last way anyone can administer the cluster.
        </p>
        <ErrorBox error={del.error} />
      </Confirm>
    </>
  );
}
