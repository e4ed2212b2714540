/**
 * kubectl-style resource arguments: `pods`, `po`, `deployment`, `deployments.apps`. Bare names are
 * looked up in the discovery table Entryway serves to kubectl (kube-api/discovery), the way
 * kubectl's RESTMapper does (plural, singular, short name; earlier groups win), so
 * `entryway can-i create deployments` means what `kubectl auth can-i create deployments` means.
 */
import { KUBERNETES_1_32 } from '../kube-api/discovery.js';

export function resolveResource(spec: string): { resource: string; group: string } {
  const dot = spec.indexOf('.');
  const name = (dot < 0 ? spec : spec.slice(0, dot)).toLowerCase();
  const wantGroup = dot < 0 ? undefined : spec.slice(dot + 1);
  for (const g of KUBERNETES_1_32) {
    if (wantGroup !== undefined && g.name !== wantGroup) continue;
    for (const v of g.versions) {
      for (const r of v.resources) {
        if (r.name === name || r.singularName === name || r.shortNames?.includes(name)) return { resource: r.name, group: g.name };
      }
    }
  }
  // Unknown to discovery (a CRD, say): taken literally, as kubectl does after a discovery miss.
  return wantGroup === undefined ? { resource: name, group: '' } : { resource: name, group: wantGroup };
}
