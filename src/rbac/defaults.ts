/**
 * The ClusterRoles and ClusterRoleBindings every cluster has (kube-apiserver's bootstrap policy,
 * reconciled at each start): added to a snapshot that lacks them, so an import of only a team's own
 * objects still evaluates like the cluster would. Data: `data/k8s-default-clusterroles.json` (the
 * user-facing roles and their aggregation sources) plus the three roles bound to every
 * authenticated user, from the 1.32 bootstrap policy.
 */
import defaultRoles from '../../data/k8s-default-clusterroles.json' with { type: 'json' };
import type { RbacBinding, RbacRole } from './objects.js';

interface DataRole {
  name: string;
  rules: RbacRole['rules'];
  labels?: Record<string, string>;
  aggregationRule?: RbacRole['aggregationRule'];
}

const BOOTSTRAP = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };

const AUTHENTICATED_ROLES: DataRole[] = [
  {
    name: 'system:basic-user',
    rules: [
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    ],
  },
  {
    name: 'system:discovery',
    rules: [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'] }],
  },
  { name: 'system:public-info-viewer', rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] }] },
];

export const DEFAULT_CLUSTER_ROLES: readonly RbacRole[] = [...(defaultRoles as unknown as DataRole[]), ...AUTHENTICATED_ROLES].map((r) => ({
  kind: 'ClusterRole' as const,
  name: r.name,
  labels: { ...BOOTSTRAP, ...(r.labels ?? {}) },
  rules: r.rules,
  ...(r.aggregationRule ? { aggregationRule: r.aggregationRule } : {}),
}));

const crb = (name: string, groups: string[]): RbacBinding => ({
  kind: 'ClusterRoleBinding',
  name,
  roleRef: { kind: 'ClusterRole', name },
  subjects: groups.map((g) => ({ kind: 'Group' as const, name: g })),
});

export const DEFAULT_CLUSTER_ROLE_BINDINGS: readonly RbacBinding[] = [
  crb('cluster-admin', ['system:masters']),
  crb('system:basic-user', ['system:authenticated']),
  crb('system:discovery', ['system:authenticated']),
  crb('system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
];
