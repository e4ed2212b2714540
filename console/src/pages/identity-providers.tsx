import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { Update } from '../api';
import { api, clusterPath, listAll } from '../api';
import { Badge, Card, Confirm, Empty, ErrorBox, Loading, Notice, statusTone, TextArea, TextField, useAction, useLoad } from '../components';
import type { ClusterProps } from './cluster';
import { waitForUpdate } from './access';

interface Oidc {
  identityProviderConfigName: string;
  identityProviderConfigArn?: string;
  issuerUrl: string;
  clientId: string;
  usernameClaim?: string;
  usernamePrefix?: string;
  groupsClaim?: string;
  groupsPrefix?: string;
  requiredClaims?: Record<string, string>;
  status?: string;
}

export function IdentityProvidersPage({ cluster }: ClusterProps): JSX.Element {
  const base = clusterPath(cluster.name);
  const list = useLoad(async () => {
    const configs = await listAll<{ type: string; name: string }>(`${base}/identity-provider-configs`, 'identityProviderConfigs');
    return Promise.all(configs.map((c) => api<{ identityProviderConfig: { oidc: Oidc } }>('POST', `${base}/identity-provider-configs/describe`, { identityProviderConfig: c }).then((r) => r.identityProviderConfig.oidc)));
  }, [base]);
  const [form, setForm] = useState({ name: '', issuerUrl: '', clientId: '', usernameClaim: '', usernamePrefix: '', groupsClaim: '', groupsPrefix: '', requiredClaims: '' });
  const [open, setOpen] = useState(false);
  const [removing, setRemoving] = useState<string | undefined>(undefined);
  const [progress, setProgress] = useState<Update | undefined>(undefined);
  const act = useAction();
  const set = (k: keyof typeof form) => (v: string) => setForm({ ...form, [k]: v });
  const track = async (u: Update) => {
    setProgress(u);
    list.reload();
    await waitForUpdate(cluster.name, u.id, setProgress);
    list.reload();
  };
  const associate = (e: Event) => {
    e.preventDefault();
    void act.run(async () => {
      const requiredClaims: Record<string, string> = {};
      for (const line of form.requiredClaims.split('\n').map((l) => l.trim()).filter(Boolean)) {
        const eq = line.indexOf('=');
        if (eq <= 0) throw new Error(`Required claims are key=value lines; "${line}" is not.`);
        requiredClaims[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
      }
      const oidc: Record<string, unknown> = { identityProviderConfigName: form.name.trim(), issuerUrl: form.issuerUrl.trim(), clientId: form.clientId.trim() };
      for (const k of ['usernameClaim', 'usernamePrefix', 'groupsClaim', 'groupsPrefix'] as const) if (form[k].trim()) oidc[k] = form[k].trim();
      if (Object.keys(requiredClaims).length) oidc.requiredClaims = requiredClaims;
      const r = await api<{ update: Update }>('POST', `${base}/identity-provider-configs/associate`, { oidc });
      setOpen(false);
      await track(r.update);
    });
  };
  const disassociate = (name: string) =>
    act.run(async () => {
      const r = await api<{ update: Update }>('POST', `${base}/identity-provider-configs/disassociate`, { identityProviderConfig: { type: 'oidc', name } });
      setRemoving(undefined);
      await track(r.update);
    });
  return (
    <>
      <Card
        title="OIDC identity providers"
        actions={
          <button type="button" class="btn" onClick={() => (act.clear(), setOpen(!open))}>
            {open ? 'Close the form' : 'Associate identity provider'}
          </button>
        }
      >
        {progress ? (
          <Notice kind={progress.status === 'Successful' ? 'success' : 'info'}>
            Update <span class="mono">{progress.id}</span> ({progress.type}): {progress.status}
          </Notice>
        ) : null}
        <ErrorBox error={act.error} />
        {open ? (
          <form class="form" onSubmit={associate}>
            <TextField id="idp-name" label="Name" required value={form.name} onInput={set('name')} />
            <TextField id="idp-issuer" label="Issuer URL" required value={form.issuerUrl} onInput={set('issuerUrl')} placeholder="https://issuer.example.com" hint="HTTPS; Entryway fetches its discovery document and JWKS." />
            <TextField id="idp-client" label="Client ID" required value={form.clientId} onInput={set('clientId')} />
            <div class="grid2">
              <TextField id="idp-uclaim" label="Username claim" value={form.usernameClaim} onInput={set('usernameClaim')} placeholder="sub" />
              <TextField id="idp-uprefix" label="Username prefix" value={form.usernamePrefix} onInput={set('usernamePrefix')} />
              <TextField id="idp-gclaim" label="Groups claim" value={form.groupsClaim} onInput={set('groupsClaim')} />
              <TextField id="idp-gprefix" label="Groups prefix" value={form.groupsPrefix} onInput={set('groupsPrefix')} />
            </div>
            <TextArea id="idp-required" label="Required claims" value={form.requiredClaims} onInput={set('requiredClaims')} hint="One key=value per line." rows={3} />
            <div class="form-actions">
              <button type="submit" class="btn btn-primary" disabled={act.busy}>
                Associate
              </button>
            </div>
          </form>
        ) : null}
        {list.loading && !list.data ? <Loading what="Loading identity providers" /> : null}
        <ErrorBox error={list.error} />
        {list.data && list.data.length === 0 ? <Empty>No identity provider is associated.</Empty> : null}
        {list.data && list.data.length > 0 ? (
          <table class="table">
            <caption class="sr-only">Identity providers</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Issuer</th>
                <th scope="col">Client ID</th>
                <th scope="col">Claims and prefixes</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((o) => (
                <tr key={o.identityProviderConfigName}>
                  <td>{o.identityProviderConfigName}</td>
                  <td>
                    <Badge tone={statusTone(o.status)}>{o.status ?? '—'}</Badge>
                  </td>
                  <td class="mono wrap">{o.issuerUrl}</td>
                  <td class="mono">{o.clientId}</td>
                  <td>
                    <div>
                      username: <span class="mono">{o.usernameClaim ?? 'sub'}</span>
                      {o.usernamePrefix ? <> (prefix <span class="mono">{o.usernamePrefix}</span>)</> : null}
                    </div>
                    {o.groupsClaim ? (
                      <div>
                        groups: <span class="mono">{o.groupsClaim}</span>
                        {o.groupsPrefix ? <> (prefix <span class="mono">{o.groupsPrefix}</span>)</> : null}
                      </div>
                    ) : null}
                    {Object.entries(o.requiredClaims ?? {}).map(([k, v]) => (
                      <div key={k}>
                        requires <span class="mono">{k}={v}</span>
                      </div>
                    ))}
                  </td>
                  <td>
                    <button type="button" class="btn btn-small btn-danger" disabled={o.status === 'DELETING'} onClick={() => (act.clear(), setRemoving(o.identityProviderConfigName))}>
                      Disassociate
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Card>
      <Confirm open={removing !== undefined} title={`Disassociate ${removing ?? ''}?`} confirmLabel="Disassociate" danger busy={act.busy} onCancel={() => setRemoving(undefined)} onConfirm={() => removing && void disassociate(removing)}>
        <p>Users who sign in through this provider stop being authenticated on {cluster.name} once the update completes.</p>
      </Confirm>
    </>
  );
}
