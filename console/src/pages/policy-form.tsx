// Choosing an access policy and its scope: shared by "create entry" and the entry's page.
import type { JSX } from 'preact';
import type { AccessPolicyInfo, AccessScope } from '../api';

export interface PolicyChoice {
  policyArn: string;
  scope: 'cluster' | 'namespace';
  namespaces: string;
}

export const emptyChoice = (policies: AccessPolicyInfo[]): PolicyChoice => ({ policyArn: policies.find((p) => p.name === 'AmazonEKSViewPolicy')?.arn ?? policies[0]?.arn ?? '', scope: 'cluster', namespaces: '' });

export function scopeOf(c: PolicyChoice): AccessScope {
  return c.scope === 'cluster'
    ? { type: 'cluster' }
    : {
        type: 'namespace',
        namespaces: c.namespaces
          .split(/[\s,]+/)
          .map((s) => s.trim())
          .filter(Boolean),
      };
}

export function PolicyChooser({ value, onChange, policies, id }: { value: PolicyChoice; onChange: (c: PolicyChoice) => void; policies: AccessPolicyInfo[]; id: string }): JSX.Element {
  return (
    <fieldset class="policy-choice">
      <legend class="sr-only">Access policy and scope</legend>
      <div class="field">
        <label for={`${id}-policy`}>Policy</label>
        <select id={`${id}-policy`} value={value.policyArn} onChange={(e) => onChange({ ...value, policyArn: (e.target as HTMLSelectElement).value })}>
          {policies
            .filter((p) => !p.serviceLinkedRolesOnly)
            .map((p) => (
              <option key={p.arn} value={p.arn}>
                {p.name}
              </option>
            ))}
        </select>
      </div>
      <div class="field">
        <label for={`${id}-scope`}>Access scope</label>
        <select id={`${id}-scope`} value={value.scope} onChange={(e) => onChange({ ...value, scope: (e.target as HTMLSelectElement).value as PolicyChoice['scope'] })}>
          <option value="cluster">Cluster</option>
          <option value="namespace">Kubernetes namespaces</option>
        </select>
      </div>
      {value.scope === 'namespace' ? (
        <div class="field">
          <label for={`${id}-ns`}>Namespaces</label>
          <input id={`${id}-ns`} value={value.namespaces} placeholder="dev-*, staging" aria-describedby={`${id}-ns-hint`} onInput={(e) => onChange({ ...value, namespaces: (e.target as HTMLInputElement).value })} />
          <p class="hint" id={`${id}-ns-hint`}>
            Comma-separated; a trailing * matches a prefix (dev-*).
          </p>
        </div>
      ) : null}
    </fieldset>
  );
}
