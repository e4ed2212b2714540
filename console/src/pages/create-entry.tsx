import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { accessPolicies, api, clusterPath, ENTRY_TYPES, listIamPrincipals } from '../api';
import { Card, ErrorBox, Notice, Select, TextField, useAction, useLoad } from '../components';
import { Link, navigate } from '../router';
import type { ClusterProps } from './cluster';
import type { PolicyChoice } from './policy-form';
import { emptyChoice, PolicyChooser, scopeOf } from './policy-form';

export const splitList = (s: string): string[] =>
  s
    .split(/[\n,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

export function CreateEntryPage({ cluster }: ClusterProps): JSX.Element {
  const principals = useLoad(() => listIamPrincipals(), []);
  const policies = useLoad(() => accessPolicies(), []);
  const [principalArn, setPrincipal] = useState('');
  const [type, setType] = useState('STANDARD');
  const [username, setUsername] = useState('');
  const [groups, setGroups] = useState('');
  const [choices, setChoices] = useState<PolicyChoice[]>([]);
  const [done, setDone] = useState<string[]>([]);
  const act = useAction();
  const base = `/clusters/${encodeURIComponent(cluster.name)}`;
  const submit = (e: Event) => {
    e.preventDefault();
    setDone([]);
    void act.run(async () => {
      const body: Record<string, unknown> = { principalArn: principalArn.trim(), type };
      if (username.trim()) body.username = username.trim();
      if (splitList(groups).length) body.kubernetesGroups = splitList(groups);
      await api('POST', `${clusterPath(cluster.name)}/access-entries`, body);
      const steps = ['Created the access entry.'];
      setDone([...steps]);
      for (const c of choices) {
        await api('POST', `${clusterPath(cluster.name)}/access-entries/${encodeURIComponent(principalArn.trim())}/access-policies`, { policyArn: c.policyArn, accessScope: scopeOf(c) });
        steps.push(`Associated ${c.policyArn.slice(c.policyArn.lastIndexOf('/') + 1)}.`);
        setDone([...steps]);
      }
      navigate(`${base}/access/entries/${encodeURIComponent(principalArn.trim())}`);
    });
  };
  const standard = type === 'STANDARD';
  return (
    <Card title="Create access entry">
      <form onSubmit={submit} class="form">
        <TextField
          id="principal"
          label="IAM principal ARN"
          required
          value={principalArn}
          onInput={setPrincipal}
          list="iam-principals"
          placeholder="arn:aws:iam::111122223333:role/my-role"
          hint={principals.error ? 'Entryway IAM users and roles could not be listed (type the ARN).' : 'Pick one of Entryway IAM users and roles, or type any IAM user or role ARN.'}
        />
        <datalist id="iam-principals">
          {(principals.data ?? []).map((p) => (
            <option key={p.arn} value={p.arn} label={`${p.kind} ${p.name}`} />
          ))}
        </datalist>
        <Select id="type" label="Type" value={type} onChange={setType} options={[...ENTRY_TYPES]} hint="Node types (EC2_LINUX, FARGATE_LINUX, …) get EKS's node username and groups, and take no groups or policies." />
        {standard ? (
          <>
            <TextField id="username" label="Kubernetes username" value={username} onInput={setUsername} hint="Optional. Default: the principal's ARN (a session ARN for roles). Templates like {{SessionName}} are allowed." />
            <TextField id="groups" label="Kubernetes groups" value={groups} onInput={setGroups} hint="Optional, comma-separated. Bind them with RBAC in the cluster; names starting with system: are refused." />
            <div class="fieldset" role="group" aria-labelledby="new-policies-legend">
              <p class="legend" id="new-policies-legend">
                Access policies
              </p>
              {choices.map((c, i) => (
                <div class="choice-row" key={i}>
                  <PolicyChooser id={`new-${i}`} value={c} policies={policies.data ?? []} onChange={(n) => setChoices(choices.map((x, j) => (j === i ? n : x)))} />
                  <button type="button" class="btn btn-small" onClick={() => setChoices(choices.filter((_, j) => j !== i))}>
                    Remove policy {i + 1}
                  </button>
                </div>
              ))}
              <button type="button" class="btn btn-small" disabled={!policies.data} onClick={() => setChoices([...choices, emptyChoice(policies.data ?? [])])}>
                Add access policy
              </button>
            </div>
          </>
        ) : null}
        {done.length ? <Notice kind="success">{done.join(' ')}</Notice> : null}
        <ErrorBox error={act.error} />
        <div class="form-actions">
          <Link href={`${base}/access`} class="btn">
            Cancel
          </Link>
          <button type="submit" class="btn btn-primary" disabled={act.busy || !principalArn.trim()}>
            Create
          </button>
        </div>
      </form>
    </Card>
  );
}
