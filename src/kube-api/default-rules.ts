/**
 * RBAC every authenticated user has in any cluster: kube-apiserver's bootstrap ClusterRoles
 * `system:basic-user` and `system:discovery`, bound to group `system:authenticated` by its default
 * ClusterRoleBindings (reconciled at every apiserver start). Data, from the 1.32 bootstrap policy.
 * (`system:public-info-viewer` grants a subset of `system:discovery` to the same group, so it adds nothing.)
 */
import type { PolicyRule } from '../policy/rbac.js';

export interface DefaultBinding {
  /** The ClusterRole and its ClusterRoleBinding share this name. */
  readonly name: string;
  readonly group: string;
  readonly rules: readonly PolicyRule[];
}

export const AUTHENTICATED_DEFAULTS: readonly DefaultBinding[] = [
  {
    name: 'system:basic-user',
    group: 'system:authenticated',
    rules: [
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    ],
  },
  {
    name: 'system:discovery',
    group: 'system:authenticated',
    rules: [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'] }],
  },
];
