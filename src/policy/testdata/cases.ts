/**
 * Hand-written expectations for the published access policies, shared by the
 * webhook table test (src/webhooks/sar.test.ts) and the Kubernetes-role
 * cross-check (src/policy/permissions.test.ts). Expectations are written from
 * the policy tables in eks-access §4.3, not computed by the engine.
 *
 * `allow` lists the policies that allow the request when associated at
 * **cluster** scope. Namespace-scope expectations follow from RoleBinding
 * semantics: allowed iff allowed at cluster scope, the request is a resource
 * request, and its namespace is non-empty and matched by the scope.
 */
import type { NonResourceAttributes, RequestAttributes, ResourceAttributes } from '../rbac.js';

export const POLICIES = {
  CA: 'AmazonEKSClusterAdminPolicy',
  AD: 'AmazonEKSAdminPolicy',
  ED: 'AmazonEKSEditPolicy',
  VW: 'AmazonEKSViewPolicy',
  AV: 'AmazonEKSAdminViewPolicy',
  SR: 'AmazonEKSSecretReaderPolicy',
  HY: 'AmazonEKSHybridPolicy',
  ARC: 'AmazonARCRegionSwitchScalingPolicy',
} as const;
export type PolicyKey = keyof typeof POLICIES;

export interface PolicyCase {
  readonly label: string;
  readonly attrs: RequestAttributes;
  readonly allow: readonly PolicyKey[];
}

/** A resource request; `""` namespace = cluster-scoped or all namespaces. */
export function res(verb: string, group: string, resource: string, namespace = '', subresource = '', name = ''): ResourceAttributes {
  return { namespace, verb, group, version: 'v1', resource, subresource, name };
}

export function url(verb: string, path: string): NonResourceAttributes {
  return { path, verb };
}

const READERS: PolicyKey[] = ['CA', 'AD', 'ED', 'VW', 'AV'];
const WRITERS: PolicyKey[] = ['CA', 'AD', 'ED'];

const c = (label: string, attrs: RequestAttributes, allow: readonly PolicyKey[]): PolicyCase => ({ label, attrs, allow });

export const CASES: readonly PolicyCase[] = [
  // core workloads
  c('get pods/p in team-a', res('get', '', 'pods', 'team-a', '', 'p'), READERS),
  c('list pods in dev-1', res('list', '', 'pods', 'dev-1'), READERS),
  c('list pods -A', res('list', '', 'pods'), READERS),
  c('watch pods in prod', res('watch', '', 'pods', 'prod'), READERS),
  c('create pods in prod', res('create', '', 'pods', 'prod'), WRITERS),
  c('delete pods/p in dev-1', res('delete', '', 'pods', 'dev-1', '', 'p'), WRITERS),
  c('deletecollection pods in team-a', res('deletecollection', '', 'pods', 'team-a'), WRITERS),
  c('get pods/log in team-a', res('get', '', 'pods', 'team-a', 'log', 'p'), READERS),
  c('get pods/log in prod', res('get', '', 'pods', 'prod', 'log', 'p'), READERS),
  c('create pods/exec in dev-9', res('create', '', 'pods', 'dev-9', 'exec', 'p'), WRITERS),
  // WebSocket exec is a GET: AdminView's `* | * | get` covers it.
  c('get pods/exec in team-a', res('get', '', 'pods', 'team-a', 'exec', 'p'), ['CA', 'AD', 'ED', 'AV']),
  c('create pods/portforward in team-a', res('create', '', 'pods', 'team-a', 'portforward', 'p'), WRITERS),
  c('create pods/attach in dev-1', res('create', '', 'pods', 'dev-1', 'attach', 'p'), WRITERS),
  c('get pods/status in dev-1', res('get', '', 'pods', 'dev-1', 'status', 'p'), [...READERS, 'ARC']),
  c('update pods/status in dev-1', res('update', '', 'pods', 'dev-1', 'status', 'p'), ['CA']),
  c('create pods/eviction in team-a (not in EKS tables)', res('create', '', 'pods', 'team-a', 'eviction', 'p'), ['CA']),
  c('update pods/ephemeralcontainers in team-a', res('update', '', 'pods', 'team-a', 'ephemeralcontainers', 'p'), ['CA']),
  c('watch configmaps in dev-1', res('watch', '', 'configmaps', 'dev-1'), READERS),
  c('update configmaps/c in prod', res('update', '', 'configmaps', 'prod', '', 'c'), WRITERS),
  c('create endpoints in team-a (read-only since CVE-2021-25740)', res('create', '', 'endpoints', 'team-a'), ['CA']),
  c('get services/proxy in team-a', res('get', '', 'services', 'team-a', 'proxy', 's:80'), ['CA', 'AD', 'ED', 'AV']),
  c('list events in dev-1', res('list', '', 'events', 'dev-1'), READERS),
  c('list events.events.k8s.io in dev-1', res('list', 'events.k8s.io', 'events', 'dev-1'), ['CA', 'AV']),
  c('get resourcequotas in team-a', res('get', '', 'resourcequotas', 'team-a', '', 'q'), READERS),
  c('update resourcequotas in team-a', res('update', '', 'resourcequotas', 'team-a', '', 'q'), ['CA']),
  c('create serviceaccounts/token in team-a (not in EKS tables)', res('create', '', 'serviceaccounts', 'team-a', 'token', 'sa'), ['CA']),
  // secrets
  c('get secrets/s in team-a', res('get', '', 'secrets', 'team-a', '', 's'), ['CA', 'AD', 'ED', 'AV', 'SR']),
  c('list secrets in dev-1', res('list', '', 'secrets', 'dev-1'), ['CA', 'AD', 'ED', 'AV', 'SR']),
  c('list secrets -A', res('list', '', 'secrets'), ['CA', 'AD', 'ED', 'AV', 'SR']),
  c('create secrets in team-a', res('create', '', 'secrets', 'team-a'), WRITERS),
  c('delete secrets/s in prod', res('delete', '', 'secrets', 'prod', '', 's'), WRITERS),
  // apps, scale and status subresources
  c('get deployments in dev-1', res('get', 'apps', 'deployments', 'dev-1', '', 'web'), READERS),
  c('create deployments in team-a', res('create', 'apps', 'deployments', 'team-a'), WRITERS),
  c('get deployments/scale in prod', res('get', 'apps', 'deployments', 'prod', 'scale', 'web'), [...READERS, 'ARC']),
  c('update deployments/scale in team-a', res('update', 'apps', 'deployments', 'team-a', 'scale', 'web'), [...WRITERS, 'ARC']),
  c('patch deployments/scale in team-a', res('patch', 'apps', 'deployments', 'team-a', 'scale', 'web'), WRITERS),
  c('update statefulsets/scale in dev-1', res('update', 'apps', 'statefulsets', 'dev-1', 'scale', 'db'), [...WRITERS, 'ARC']),
  c('get deployments/status in dev-1', res('get', 'apps', 'deployments', 'dev-1', 'status', 'web'), [...READERS, 'ARC']),
  c('update deployments/status in dev-1', res('update', 'apps', 'deployments', 'dev-1', 'status', 'web'), ['CA']),
  c('create deployments/rollback in team-a', res('create', 'apps', 'deployments', 'team-a', 'rollback', 'web'), WRITERS),
  c('get widgets/scale (a CRD) in team-a', res('get', 'example.com', 'widgets', 'team-a', 'scale', 'w'), ['CA', 'AV', 'ARC']),
  c('update widgets (a CRD) in team-a', res('update', 'example.com', 'widgets', 'team-a', '', 'w'), ['CA']),
  c('get horizontalpodautoscalers in team-a', res('get', 'autoscaling', 'horizontalpodautoscalers', 'team-a', '', 'h'), [...READERS, 'ARC']),
  c('patch horizontalpodautoscalers in team-a', res('patch', 'autoscaling', 'horizontalpodautoscalers', 'team-a', '', 'h'), [...WRITERS, 'ARC']),
  c('update horizontalpodautoscalers in team-a', res('update', 'autoscaling', 'horizontalpodautoscalers', 'team-a', '', 'h'), WRITERS),
  c('get horizontalpodautoscalers/status in dev-1', res('get', 'autoscaling', 'horizontalpodautoscalers', 'dev-1', 'status', 'h'), [...READERS, 'ARC']),
  c('deletecollection jobs in dev-1', res('deletecollection', 'batch', 'jobs', 'dev-1'), WRITERS),
  c('get cronjobs/status in prod', res('get', 'batch', 'cronjobs', 'prod', 'status', 'cj'), [...READERS, 'ARC']),
  c('list endpointslices in team-a', res('list', 'discovery.k8s.io', 'endpointslices', 'team-a'), READERS),
  c('get ingresses (networking) in dev-1', res('get', 'networking.k8s.io', 'ingresses', 'dev-1', '', 'i'), READERS),
  c('create ingresses (extensions) in dev-1', res('create', 'extensions', 'ingresses', 'dev-1'), WRITERS),
  c('create poddisruptionbudgets in team-a', res('create', 'policy', 'poddisruptionbudgets', 'team-a'), WRITERS),
  c('get leases in team-a (not in EKS tables)', res('get', 'coordination.k8s.io', 'leases', 'team-a', '', 'l'), ['CA', 'AV']),
  c('update leases in team-a (not in EKS tables)', res('update', 'coordination.k8s.io', 'leases', 'team-a', '', 'l'), ['CA']),
  // special verbs and RBAC
  c('impersonate serviceaccounts/default in team-a', res('impersonate', '', 'serviceaccounts', 'team-a', '', 'default'), WRITERS),
  c('impersonate serviceaccounts in prod', res('impersonate', '', 'serviceaccounts', 'prod', '', 'default'), WRITERS),
  c('impersonate users', res('impersonate', '', 'users', '', '', 'alice'), ['CA']),
  c('impersonate groups', res('impersonate', '', 'groups', '', '', 'system:masters'), ['CA']),
  c('impersonate userextras/scopes', res('impersonate', 'authentication.k8s.io', 'userextras', '', 'scopes', 'x'), ['CA']),
  c('create roles in team-a', res('create', 'rbac.authorization.k8s.io', 'roles', 'team-a'), ['CA', 'AD']),
  c('list rolebindings in dev-1', res('list', 'rbac.authorization.k8s.io', 'rolebindings', 'dev-1'), ['CA', 'AD', 'AV']),
  c('bind roles in team-a', res('bind', 'rbac.authorization.k8s.io', 'roles', 'team-a', '', 'r'), ['CA']),
  c('escalate roles in team-a', res('escalate', 'rbac.authorization.k8s.io', 'roles', 'team-a', '', 'r'), ['CA']),
  c('bind clusterroles/admin', res('bind', 'rbac.authorization.k8s.io', 'clusterroles', '', '', 'admin'), ['CA']),
  c('escalate clusterroles', res('escalate', 'rbac.authorization.k8s.io', 'clusterroles', '', '', 'x'), ['CA']),
  c('get clusterroles', res('get', 'rbac.authorization.k8s.io', 'clusterroles', '', '', 'view'), ['CA', 'AV']),
  c('create clusterrolebindings', res('create', 'rbac.authorization.k8s.io', 'clusterrolebindings'), ['CA']),
  c('create localsubjectaccessreviews in team-a', res('create', 'authorization.k8s.io', 'localsubjectaccessreviews', 'team-a'), ['CA', 'AD']),
  c('create selfsubjectaccessreviews', res('create', 'authorization.k8s.io', 'selfsubjectaccessreviews'), ['CA']),
  c('verb * on pods in team-a', res('*', '', 'pods', 'team-a'), ['CA']),
  // cluster-scoped resources
  c('list nodes', res('list', '', 'nodes'), ['CA', 'AV', 'HY']),
  c('get nodes/n1', res('get', '', 'nodes', '', '', 'n1'), ['CA', 'AV']),
  c('get nodes/proxy', res('get', '', 'nodes', '', 'proxy', 'n1'), ['CA', 'AV']),
  c('list namespaces', res('list', '', 'namespaces'), READERS),
  // RBAC quirk: the namespace object carries its own name as namespace.
  c('get namespaces/team-a', res('get', '', 'namespaces', 'team-a', '', 'team-a'), READERS),
  c('get namespaces/prod', res('get', '', 'namespaces', 'prod', '', 'prod'), READERS),
  c('delete namespaces/team-a', res('delete', '', 'namespaces', 'team-a', '', 'team-a'), ['CA']),
  c('get namespaces/dev-1/status', res('get', '', 'namespaces', 'dev-1', 'status', 'dev-1'), [...READERS, 'ARC']),
  c('list customresourcedefinitions', res('list', 'apiextensions.k8s.io', 'customresourcedefinitions'), ['CA', 'AV']),
  c('create customresourcedefinitions', res('create', 'apiextensions.k8s.io', 'customresourcedefinitions'), ['CA']),
  c('list persistentvolumes', res('list', '', 'persistentvolumes'), ['CA', 'AV']),
  // non-resource URLs: only ClusterAdmin has a nonResourceURLs rule
  c('get /healthz', url('get', '/healthz'), ['CA']),
  c('get /metrics', url('get', '/metrics'), ['CA']),
  c('get /api', url('get', '/api'), ['CA']),
  c('get /apis/apps/v1', url('get', '/apis/apps/v1'), ['CA']),
  c('get /version', url('get', '/version'), ['CA']),
  c('post /logs/x', url('post', '/logs/x'), ['CA']),
];

/** The upstream ClusterRole each policy mirrors. */
export const KNOWN_K8S_ROLE_FOR: Readonly<Partial<Record<PolicyKey, string>>> = { CA: 'cluster-admin', AD: 'admin', ED: 'edit', VW: 'view' };

/**
 * Known differences from upstream roles (k8s-default-clusterroles.json): the
 * EKS tables (eks-access §4.3) predate these upstream edit/admin rules.
 */
export const KNOWN_DIFFERENCE_LABELS: ReadonlySet<string> = new Set([
  'create pods/eviction in team-a (not in EKS tables)',
  'create serviceaccounts/token in team-a (not in EKS tables)',
  'get leases in team-a (not in EKS tables)',
  'update leases in team-a (not in EKS tables)',
]);
