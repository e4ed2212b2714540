/**
 * Risky privileges, as data: what a security review asks about first. Each is a set of request
 * probes; a rule carries the risk when it allows any of them (RBAC matching, so `*` and
 * `*\/subresource` count). A rule limited by `resourceNames` is probed with its first name — it
 * still reads that secret — and the finding says which names. Cluster-scoped probes (nodes, users,
 * clusterroles, CSRs) only count for cluster-wide grants: a RoleBinding never reaches them.
 */
import type { PolicyRule, ResourceAttributes } from '../policy/rbac.js';
import { ruleAllows } from '../policy/rbac.js';

export type RiskId =
  | 'cluster-admin'
  | 'namespace-admin'
  | 'secrets-read'
  | 'pods-exec'
  | 'pods-attach'
  | 'pods-portforward'
  | 'nodes-proxy'
  | 'escalate'
  | 'bind'
  | 'impersonate'
  | 'rbac-write'
  | 'serviceaccount-token'
  | 'csr-approval';

interface Probe {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  clusterScoped: boolean;
}

export interface RiskDefinition {
  id: RiskId;
  title: string;
  probes: readonly Probe[];
}

const p = (verbs: string[], group: string, resources: Array<[string, boolean]>, subresource?: string): Probe[] =>
  verbs.flatMap((verb) => resources.map(([resource, clusterScoped]) => ({ verb, group, resource, clusterScoped, ...(subresource ? { subresource } : {}) })));

const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const RBAC = 'rbac.authorization.k8s.io';
const ROLES: Array<[string, boolean]> = [
  ['roles', false],
  ['clusterroles', true],
];

export const RISKS: readonly RiskDefinition[] = [
  { id: 'secrets-read', title: 'reads secrets', probes: p(['get', 'list', 'watch'], '', [['secrets', false]]) },
  { id: 'pods-exec', title: 'pods/exec (run commands in containers)', probes: p(['create', 'get'], '', [['pods', false]], 'exec') },
  { id: 'pods-attach', title: 'pods/attach', probes: p(['create', 'get'], '', [['pods', false]], 'attach') },
  { id: 'pods-portforward', title: 'pods/portforward', probes: p(['create', 'get'], '', [['pods', false]], 'portforward') },
  { id: 'nodes-proxy', title: 'nodes/proxy (the kubelet API)', probes: p(['get', 'create'], '', [['nodes', true]], 'proxy') },
  { id: 'escalate', title: 'escalate on roles (grant rights it does not hold)', probes: p(['escalate'], RBAC, ROLES) },
  { id: 'bind', title: 'bind roles (bind rights it does not hold)', probes: p(['bind'], RBAC, ROLES) },
  {
    id: 'impersonate',
    title: 'impersonates users, groups or service accounts',
    probes: [
      ...p(['impersonate'], '', [
        ['users', true],
        ['groups', true],
        ['serviceaccounts', false],
      ]),
      ...p(['impersonate'], 'authentication.k8s.io', [
        ['userextras', true],
        ['uids', true],
      ]),
    ],
  },
  {
    id: 'rbac-write',
    title: 'writes RBAC (roles and bindings)',
    probes: p(WRITE, RBAC, [
      ['roles', false],
      ['rolebindings', false],
      ['clusterroles', true],
      ['clusterrolebindings', true],
    ]),
  },
  { id: 'serviceaccount-token', title: 'creates service account tokens', probes: p(['create'], '', [['serviceaccounts', false]], 'token') },
  { id: 'csr-approval', title: 'approves certificate signing requests', probes: p(['update', 'patch'], 'certificates.k8s.io', [['certificatesigningrequests', true]], 'approval') },
];

export const RISK_TITLES: Readonly<Record<RiskId, string>> = {
  'cluster-admin': 'cluster-admin equivalent (* on *)',
  'namespace-admin': 'full control of a namespace (* on *)',
  ...(Object.fromEntries(RISKS.map((r) => [r.id, r.title])) as Record<Exclude<RiskId, 'cluster-admin' | 'namespace-admin'>, string>),
};

const has = (list: readonly string[] | undefined, v: string): boolean => !!list && list.includes(v);

/** The risks one rule carries, given whether its grant is cluster-wide. */
export function risksOfRule(rule: PolicyRule, clusterWide: boolean): RiskId[] {
  if (rule.nonResourceURLs) return [];
  const out: RiskId[] = [];
  if (has(rule.verbs, '*') && has(rule.apiGroups, '*') && has(rule.resources, '*') && !rule.resourceNames) out.push(clusterWide ? 'cluster-admin' : 'namespace-admin');
  const name = rule.resourceNames?.[0] ?? '';
  for (const risk of RISKS) {
    for (const probe of risk.probes) {
      if (probe.clusterScoped && !clusterWide) continue;
      const attrs: ResourceAttributes = {
        namespace: probe.clusterScoped ? '' : 'entryway-probe',
        verb: probe.verb,
        group: probe.group,
        version: '',
        resource: probe.resource,
        subresource: probe.subresource ?? '',
        name,
      };
      if (ruleAllows(rule, attrs)) {
        out.push(risk.id);
        break;
      }
    }
  }
  return out;
}
