import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import type { AccessEntry, AccessPolicyInfo, PolicyRule } from '../api';
import { accessPolicies, api, entrywayCluster, policyName, scopeText } from '../api';
import { Badge, Card, Empty, ErrorBox, TextField, useAction, useLoad } from '../components';
import { Link, setQuery } from '../router';
import type { ClusterProps } from './cluster';
import { loadEntries } from './access';

interface Answer {
  allowed: boolean;
  /** Which RBAC the answer counted (the imported snapshot, or only the default roles). */
  rbac?: { complete: boolean; importedAt?: number };
  reason?: string;
  explanation?: string;
  user?: { username: string; groups: string[] };
  principalId?: string;
}

const FIELDS = ['principal', 'session', 'verb', 'resource', 'subresource', 'group', 'namespace', 'name'] as const;
type Field = (typeof FIELDS)[number];

export function CheckerPage({ cluster, query }: ClusterProps): JSX.Element {
  const entries = useLoad(() => loadEntries(cluster.name), [cluster.name]);
  const policies = useLoad(() => accessPolicies(), []);
  const [form, setForm] = useState<Record<Field, string>>(() => {
    const f = {} as Record<Field, string>;
    for (const k of FIELDS) f[k] = query.get(k) ?? (k === 'verb' ? 'get' : k === 'resource' ? 'pods' : '');
    return f;
  });
  const [answer, setAnswer] = useState<{ q: Record<Field, string>; a: Answer } | undefined>(undefined);
  const act = useAction();
  const set = (k: Field) => (v: string) => setForm({ ...form, [k]: v });
  const check = (e: Event) => {
    e.preventDefault();
    // The question goes into the URL too: a check is a link to share.
    setQuery(Object.fromEntries(FIELDS.map((k) => [k, form[k].trim() || undefined])));
    void act.run(async () => {
      const body: Record<string, unknown> = { principalArn: form.principal.trim(), verb: form.verb.trim(), resource: form.resource.trim() };
      for (const [k, f] of [
        ['sessionName', 'session'],
        ['subresource', 'subresource'],
        ['group', 'group'],
        ['namespace', 'namespace'],
        ['name', 'name'],
      ] as const)
        if (form[f].trim()) body[k] = form[f].trim();
      setAnswer({ q: { ...form }, a: await api<Answer>('POST', `${entrywayCluster(cluster.name)}/can-i`, body) });
    });
  };
  const entry = useMemo(() => entries.data?.find((e) => e.principalArn === (answer?.q.principal ?? form.principal).trim()), [entries.data, answer, form.principal]);
  return (
    <>
      <Card title="Access checker">
        <p class="muted">Can this IAM principal do this on {cluster.name}? Answered from access entries, aws-auth, system:masters, access policies and the cluster's RBAC (its imported snapshot, or the default roles when none was imported), in kube-apiserver's order.</p>
        <form class="form" onSubmit={check}>
          <TextField id="chk-principal" label="IAM principal ARN" required value={form.principal} onInput={set('principal')} list="chk-entries" hint="An IAM user or role ARN (pick an access entry or paste any ARN)." />
          <datalist id="chk-entries">
            {(entries.data ?? []).map((e) => (
              <option key={e.principalArn} value={e.principalArn} />
            ))}
          </datalist>
          <div class="grid4">
            <TextField id="chk-session" label="Session name" value={form.session} onInput={set('session')} hint="Roles only." />
            <TextField id="chk-verb" label="Verb" required value={form.verb} onInput={set('verb')} />
            <TextField id="chk-resource" label="Resource" required value={form.resource} onInput={set('resource')} />
            <TextField id="chk-subresource" label="Subresource" value={form.subresource} onInput={set('subresource')} />
            <TextField id="chk-group" label="API group" value={form.group} onInput={set('group')} hint="Empty: the core group." />
            <TextField id="chk-namespace" label="Namespace" value={form.namespace} onInput={set('namespace')} hint="Empty: cluster-wide." />
            <TextField id="chk-name" label="Name" value={form.name} onInput={set('name')} />
          </div>
          <div class="form-actions">
            <button type="submit" class="btn btn-primary" disabled={act.busy || !form.principal.trim()}>
              Check
            </button>
          </div>
        </form>
        <ErrorBox error={act.error} />
        {answer ? <AnswerView q={answer.q} a={answer.a} /> : null}
      </Card>
      {answer && entry ? <EffectiveRules entry={entry} policies={policies.data ?? []} cluster={cluster.name} /> : null}
    </>
  );
}

function AnswerView({ q, a }: { q: Record<Field, string>; a: Answer }): JSX.Element {
  const what = `${q.verb} ${q.group ? `${q.resource}.${q.group}` : q.resource}${q.subresource ? `/${q.subresource}` : ''}${q.name ? ` ${q.name}` : ''} ${q.namespace ? `in namespace ${q.namespace}` : 'cluster-wide'}`;
  return (
    <div class={a.allowed ? 'answer answer-yes' : 'answer answer-no'} role="status" aria-live="polite">
      <p class="answer-head">
        <Badge tone={a.allowed ? 'good' : 'neutral'}>{a.allowed ? 'Allowed' : a.rbac?.complete ? 'Not allowed' : 'Not allowed by what Entryway sees'}</Badge> <span class="mono">{what}</span>
      </p>
      {a.reason ? <p>Allowed by: {a.reason}</p> : null}
      {a.explanation ? <p>{a.explanation}</p> : null}
      {a.user ? (
        <p>
          Kubernetes identity: <span class="mono">{a.user.username}</span>
          {a.user.groups.length ? (
            <>
              {' '}
              in groups <span class="mono">{a.user.groups.join(', ')}</span>
            </>
          ) : null}
        </p>
      ) : null}
    </div>
  );
}

const list = (v: string[] | undefined) => (v && v.length ? v.join(', ') : '—');

export function RulesTable({ rules, caption }: { rules: readonly PolicyRule[]; caption: string }): JSX.Element {
  if (!rules.length) return <Empty>No rules.</Empty>;
  return (
    <table class="table compact">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">API groups</th>
          <th scope="col">Resources</th>
          <th scope="col">Resource names</th>
          <th scope="col">Non-resource URLs</th>
          <th scope="col">Verbs</th>
        </tr>
      </thead>
      <tbody>
        {rules.map((r, i) => (
          <tr key={i}>
            <td class="mono">{r.apiGroups ? r.apiGroups.map((g) => (g === '' ? '""' : g)).join(', ') : '—'}</td>
            <td class="mono">{list(r.resources)}</td>
            <td class="mono">{list(r.resourceNames)}</td>
            <td class="mono">{list(r.nonResourceURLs)}</td>
            <td class="mono">{list(r.verbs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The entry's access-policy rules, grouped by the scope they apply in. */
function EffectiveRules({ entry, policies, cluster }: { entry: AccessEntry; policies: AccessPolicyInfo[]; cluster: string }): JSX.Element {
  const byScope = new Map<string, { policy: string; rules: readonly PolicyRule[] }[]>();
  for (const a of entry.associatedAccessPolicies ?? []) {
    const key = scopeText(a.accessScope);
    const p = policies.find((x) => x.arn === a.policyArn || x.name === policyName(a.policyArn));
    byScope.set(key, [...(byScope.get(key) ?? []), { policy: policyName(a.policyArn), rules: p?.rules ?? [] }]);
  }
  return (
    <Card title="Effective access-policy rules">
      <p class="muted">
        What the access policies of <Link href={`/clusters/${encodeURIComponent(cluster)}/access/entries/${encodeURIComponent(entry.principalArn)}`}>{entry.principalArn}</Link> grant, per scope. Groups{' '}
        {entry.kubernetesGroups.length ? <span class="mono">{entry.kubernetesGroups.join(', ')}</span> : '(none)'} get whatever the cluster's RBAC binds to them.
      </p>
      {byScope.size === 0 ? <Empty>No access policies are associated with this entry.</Empty> : null}
      {[...byScope.entries()].map(([scope, ps]) => (
        <section key={scope} class="scope" aria-label={scope}>
          <h3>{scope}</h3>
          {ps.map((p) => (
            <RulesTable key={p.policy} rules={p.rules} caption={p.policy} />
          ))}
        </section>
      ))}
    </Card>
  );
}
