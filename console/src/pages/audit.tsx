import { Fragment } from 'preact';
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api';
import { Badge, Empty, ErrorBox, Json, Loading, useLoad } from '../components';
import { Link, qs, setQuery } from '../router';

interface Event {
  id: number;
  at: number;
  kind: string;
  principalArn: string;
  accessKeyId: string;
  sourceIp: string;
  service: string;
  operation: string;
  clusterName: string | null;
  resource: string | null;
  result: string;
  errorMessage?: string;
  before?: unknown;
  after?: unknown;
}

const FILTERS = ['cluster', 'principal', 'target', 'operation', 'kind', 'since', 'until'] as const;
const toMs = (v: string) => (v ? String(Date.parse(v.length <= 16 ? `${v}Z` : v)) : undefined);

export function AuditPage({ query }: { query: URLSearchParams }): JSX.Element {
  const f = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  const before = query.get('before') ?? '';
  const [draft, setDraft] = useState(f);
  const [open, setOpen] = useState<number | undefined>(undefined);
  const r = useLoad(() => {
    const params: Record<string, string | undefined> = { order: 'newest', limit: '50', cluster: f.cluster, principal: f.principal, target: f.target, operation: f.operation, kind: f.kind, beforeId: before || undefined };
    if (f.since) params.since = toMs(f.since);
    if (f.until) params.until = toMs(f.until);
    return api<{ events: Event[]; nextBeforeId?: number }>('GET', `/entryway/v1/audit${qs(params)}`);
  }, [query.toString()]);
  const apply = (e: Event | globalThis.Event) => {
    (e as globalThis.Event).preventDefault();
    setQuery({ ...draft, before: undefined }, { replace: false });
  };
  const text = (k: (typeof FILTERS)[number], label: string, type = 'text', placeholder = '') => (
    <div class="field">
      <label for={`audit-${k}`}>{label}</label>
      <input id={`audit-${k}`} type={type} value={draft[k]} placeholder={placeholder} onInput={(e) => setDraft({ ...draft, [k]: (e.target as HTMLInputElement).value })} />
    </div>
  );
  return (
    <main id="main" class="main">
      <h1>Audit trail</h1>
      <form class="filters" role="search" aria-label="Filter the audit trail" onSubmit={apply}>
        {text('cluster', 'Cluster')}
        {text('principal', 'Caller ARN')}
        {text('target', 'Acted on (ARN)', 'text', 'arn:aws:iam::…:user/alice')}
        {text('operation', 'Operation', 'text', 'AssociateAccessPolicy')}
        <div class="field">
          <label for="audit-kind">Kind</label>
          <select id="audit-kind" value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: (e.target as HTMLSelectElement).value })}>
            <option value="">All</option>
            <option value="management">Management</option>
            <option value="authentication">Authentication</option>
            <option value="authorization">Authorization</option>
          </select>
        </div>
        {text('since', 'From (UTC)', 'datetime-local')}
        {text('until', 'To (UTC)', 'datetime-local')}
        <div class="field field-button">
          <button type="submit" class="btn btn-primary">
            Filter
          </button>
        </div>
      </form>
      <ErrorBox error={r.error} />
      {r.loading && !r.data ? <Loading what="Loading the audit trail" /> : null}
      {r.data && r.data.events.length === 0 ? <Empty>No events match.</Empty> : null}
      {r.data && r.data.events.length > 0 ? (
        <table class="table">
          <caption class="sr-only">Audit events, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time (UTC)</th>
              <th scope="col">Caller</th>
              <th scope="col">Operation</th>
              <th scope="col">Cluster</th>
              <th scope="col">Acted on</th>
              <th scope="col">Result</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {r.data.events.map((e) => (
              <Fragment key={e.id}>
                <tr>
                  <td class="nowrap">{new Date(e.at).toISOString().replace('T', ' ').slice(0, 19)}</td>
                  <td class="mono wrap">
                    <Link href={`/audit${qs({ principal: e.principalArn })}`}>{e.principalArn}</Link>
                  </td>
                  <td>
                    {e.service}:{e.operation}
                  </td>
                  <td>{e.clusterName ? <Link href={`/clusters/${encodeURIComponent(e.clusterName)}`}>{e.clusterName}</Link> : '—'}</td>
                  <td class="mono wrap">{e.resource ?? '—'}</td>
                  <td>
                    <Badge tone={e.result === 'Success' ? 'good' : e.result === 'Rejected' ? 'warn' : 'bad'}>{e.result}</Badge>
                  </td>
                  <td>
                    <button type="button" class="btn btn-small" aria-expanded={open === e.id} aria-controls={`ev-${e.id}`} onClick={() => setOpen(open === e.id ? undefined : e.id)}>
                      {open === e.id ? 'Hide' : 'Show'}
                    </button>
                  </td>
                </tr>
                {open === e.id ? (
                  <tr id={`ev-${e.id}`}>
                    <td colSpan={7}>
                      <dl class="kv">
                        <div class="kv-item">
                          <dt>Request</dt>
                          <dd class="mono">
                            #{e.id} · {e.kind} · from {e.sourceIp} · key {e.accessKeyId}
                          </dd>
                        </div>
                        {e.errorMessage ? (
                          <div class="kv-item">
                            <dt>Error</dt>
                            <dd>{e.errorMessage}</dd>
                          </div>
                        ) : null}
                      </dl>
                      <div class="grid2">
                        <div>
                          <h2 class="subhead">Before</h2>
                          {e.before === undefined ? <Empty>—</Empty> : <Json value={e.before} />}
                        </div>
                        <div>
                          <h2 class="subhead">After</h2>
                          {e.after === undefined ? <Empty>—</Empty> : <Json value={e.after} />}
                        </div>
                      </div>
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      ) : null}
      {r.data?.nextBeforeId !== undefined ? (
        <nav class="pager" aria-label="Audit pages">
          {before ? (
            <button type="button" class="btn btn-small" onClick={() => history.back()}>
              Newer
            </button>
          ) : null}
          <button type="button" class="btn btn-small" onClick={() => setQuery({ before: String(r.data!.nextBeforeId) }, { replace: false })}>
            Older
          </button>
        </nav>
      ) : null}
    </main>
  );
}
