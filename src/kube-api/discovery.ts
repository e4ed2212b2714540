/**
 * Static discovery for Kubernetes 1.32 (k8s-authn-authz §5.5): what `kubectl auth can-i` needs to
 * resolve `deployments` to group `apps`, `po` to `pods`, and to know `pods/log` exists. Legacy JSON
 * only (`APIVersions`, `APIGroupList`, `APIGroup`, `APIResourceList`): kubectl asks for aggregated
 * discovery v2 first but accepts plain JSON.
 *
 * The table below is data: one row per resource, its subresources inline. Only GA groups that a
 * 1.32 kube-apiserver serves by default are listed (no alpha/beta-only APIs).
 */

export interface SubresourceDef {
  readonly name: string;
  readonly kind: string;
  readonly verbs: readonly string[];
  /** Set when the subresource's object lives in another group (Scale, Eviction, TokenRequest). */
  readonly group?: string;
  readonly version?: string;
}

export interface ResourceDef {
  readonly name: string;
  readonly singularName: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly subresources?: readonly SubresourceDef[];
}

export interface GroupVersionDef {
  readonly version: string;
  readonly resources: readonly ResourceDef[];
}

export interface GroupDef {
  /** `""` is the core (legacy) group served under /api. */
  readonly name: string;
  /** Preferred version first. */
  readonly versions: readonly GroupVersionDef[];
}

const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
const GPU = ['get', 'patch', 'update'] as const;
const CREATE = ['create'] as const;
const CONNECT = ['create', 'get'] as const;
const PROXY = ['create', 'delete', 'get', 'patch', 'update'] as const;

const status = (kind: string): SubresourceDef => ({ name: 'status', kind, verbs: GPU });
const scale: SubresourceDef = { name: 'scale', kind: 'Scale', verbs: GPU, group: 'autoscaling', version: 'v1' };
const ALL_CAT = ['all'] as const;

const hpa: ResourceDef = {
  name: 'horizontalpodautoscalers',
  singularName: 'horizontalpodautoscaler',
  kind: 'HorizontalPodAutoscaler',
  namespaced: true,
  verbs: ALL,
  shortNames: ['hpa'],
  categories: ALL_CAT,
  subresources: [status('HorizontalPodAutoscaler')],
};

/** Order matters: kubectl's RESTMapper prefers earlier groups when a name is ambiguous (`events`). */
export const KUBERNETES_1_32: readonly GroupDef[] = [
  {
    name: '',
    versions: [
      {
        version: 'v1',
        resources: [
          { name: 'bindings', singularName: 'binding', kind: 'Binding', namespaced: true, verbs: CREATE },
          { name: 'componentstatuses', singularName: 'componentstatus', kind: 'ComponentStatus', namespaced: false, verbs: ['get', 'list'], shortNames: ['cs'] },
          { name: 'configmaps', singularName: 'configmap', kind: 'ConfigMap', namespaced: true, verbs: ALL, shortNames: ['cm'] },
          { name: 'endpoints', singularName: 'endpoints', kind: 'Endpoints', namespaced: true, verbs: ALL, shortNames: ['ep'] },
          { name: 'events', singularName: 'event', kind: 'Event', namespaced: true, verbs: ALL, shortNames: ['ev'] },
          { name: 'limitranges', singularName: 'limitrange', kind: 'LimitRange', namespaced: true, verbs: ALL, shortNames: ['limits'] },
          {
            name: 'namespaces',
            singularName: 'namespace',
            kind: 'Namespace',
            namespaced: false,
            verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
            shortNames: ['ns'],
            subresources: [{ name: 'finalize', kind: 'Namespace', verbs: ['update'] }, status('Namespace')],
          },
          {
            name: 'nodes',
            singularName: 'node',
            kind: 'Node',
            namespaced: false,
            verbs: ALL,
            shortNames: ['no'],
            subresources: [{ name: 'proxy', kind: 'NodeProxyOptions', verbs: PROXY }, status('Node')],
          },
          {
            name: 'persistentvolumeclaims',
            singularName: 'persistentvolumeclaim',
            kind: 'PersistentVolumeClaim',
            namespaced: true,
            verbs: ALL,
            shortNames: ['pvc'],
            subresources: [status('PersistentVolumeClaim')],
          },
          {
            name: 'persistentvolumes',
            singularName: 'persistentvolume',
            kind: 'PersistentVolume',
            namespaced: false,
            verbs: ALL,
            shortNames: ['pv'],
            subresources: [status('PersistentVolume')],
          },
          {
            name: 'pods',
            singularName: 'pod',
            kind: 'Pod',
            namespaced: true,
            verbs: ALL,
            shortNames: ['po'],
            categories: ALL_CAT,
            subresources: [
              { name: 'attach', kind: 'PodAttachOptions', verbs: CONNECT },
              { name: 'binding', kind: 'Binding', verbs: CREATE },
              { name: 'ephemeralcontainers', kind: 'Pod', verbs: GPU },
              { name: 'eviction', kind: 'Eviction', verbs: CREATE, group: 'policy', version: 'v1' },
              { name: 'exec', kind: 'PodExecOptions', verbs: CONNECT },
              { name: 'log', kind: 'Pod', verbs: ['get'] },
              { name: 'portforward', kind: 'PodPortForwardOptions', verbs: CONNECT },
              { name: 'proxy', kind: 'PodProxyOptions', verbs: PROXY },
              status('Pod'),
            ],
          },
          { name: 'podtemplates', singularName: 'podtemplate', kind: 'PodTemplate', namespaced: true, verbs: ALL },
          {
            name: 'replicationcontrollers',
            singularName: 'replicationcontroller',
            kind: 'ReplicationController',
            namespaced: true,
            verbs: ALL,
            shortNames: ['rc'],
            categories: ALL_CAT,
            subresources: [scale, status('ReplicationController')],
          },
          {
            name: 'resourcequotas',
            singularName: 'resourcequota',
            kind: 'ResourceQuota',
            namespaced: true,
            verbs: ALL,
            shortNames: ['quota'],
            subresources: [status('ResourceQuota')],
          },
          { name: 'secrets', singularName: 'secret', kind: 'Secret', namespaced: true, verbs: ALL },
          {
            name: 'serviceaccounts',
            singularName: 'serviceaccount',
            kind: 'ServiceAccount',
            namespaced: true,
            verbs: ALL,
            shortNames: ['sa'],
            subresources: [{ name: 'token', kind: 'TokenRequest', verbs: CREATE, group: 'authentication.k8s.io', version: 'v1' }],
          },
          {
            name: 'services',
            singularName: 'service',
            kind: 'Service',
            namespaced: true,
            // The API has no deletecollection for services.
            verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
            shortNames: ['svc'],
            categories: ALL_CAT,
            subresources: [{ name: 'proxy', kind: 'ServiceProxyOptions', verbs: PROXY }, status('Service')],
          },
        ],
      },
    ],
  },
  {
    name: 'apiregistration.k8s.io',
    versions: [
      {
        version: 'v1',
        resources: [{ name: 'apiservices', singularName: 'apiservice', kind: 'APIService', namespaced: false, verbs: ALL, categories: ['api-extensions'], subresources: [status('APIService')] }],
      },
    ],
  },
  {
    name: 'apps',
    versions: [
      {
        version: 'v1',
        resources: [
          { name: 'controllerrevisions', singularName: 'controllerrevision', kind: 'ControllerRevision', namespaced: true, verbs: ALL },
          { name: 'daemonsets', singularName: 'daemonset', kind: 'DaemonSet', namespaced: true, verbs: ALL, shortNames: ['ds'], categories: ALL_CAT, subresources: [status('DaemonSet')] },
          { name: 'deployments', singularName: 'deployment', kind: 'Deployment', namespaced: true, verbs: ALL, shortNames: ['deploy'], categories: ALL_CAT, subresources: [scale, status('Deployment')] },
          { name: 'replicasets', singularName: 'replicaset', kind: 'ReplicaSet', namespaced: true, verbs: ALL, shortNames: ['rs'], categories: ALL_CAT, subresources: [scale, status('ReplicaSet')] },
          { name: 'statefulsets', singularName: 'statefulset', kind: 'StatefulSet', namespaced: true, verbs: ALL, shortNames: ['sts'], categories: ALL_CAT, subresources: [scale, status('StatefulSet')] },
        ],
      },
    ],
  },
  {
    name: 'events.k8s.io',
    versions: [{ version: 'v1', resources: [{ name: 'events', singularName: 'event', kind: 'Event', namespaced: true, verbs: ALL, shortNames: ['ev'] }] }],
  },
  {
    name: 'authentication.k8s.io',
    versions: [
      {
        version: 'v1',
        resources: [
          { name: 'selfsubjectreviews', singularName: 'selfsubjectreview', kind: 'SelfSubjectReview', namespaced: false, verbs: CREATE },
          { name: 'tokenreviews', singularName: 'tokenreview', kind: 'TokenReview', namespaced: false, verbs: CREATE },
        ],
      },
    ],
  },
  {
    name: 'authorization.k8s.io',
    versions: [
      {
        version: 'v1',
        resources: [
          { name: 'localsubjectaccessreviews', singularName: 'localsubjectaccessreview', kind: 'LocalSubjectAccessReview', namespaced: true, verbs: CREATE },
          { name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: CREATE },
          { name: 'selfsubjectrulesreviews', singularName: 'selfsubjectrulesreview', kind: 'SelfSubjectRulesReview', namespaced: false, verbs: CREATE },
          { name: 'subjectaccessreviews', singularName: 'subjectaccessreview', kind: 'SubjectAccessReview', namespaced: false, verbs: CREATE },
        ],
      },
    ],
  },
  {
    name: 'autoscaling',
    versions: [
      { version: 'v2', resources: [hpa] },
      { version: 'v1', resources: [hpa] },
    ],
  },
  {
    name: 'batch',
    versions: [
      {
        version: 'v1',
        resources: [
          { name: 'cronjobs', singularName: 'cronjob', kind: 'CronJob', namespaced: true, verbs: ALL, shortNames: ['cj'], categories: ALL_CAT, subresources: [status('CronJob')] },
          { name: 'jobs', singularName: 'job', kind: 'Job', namespaced: true, verbs: ALL, categories: ALL_CAT, subresources: [status('Job')] },
        ],
      },
    ],
  },
  {
    name: 'certificates.k8s.io',
    versions: [
      {
        version: 'v1',
        resources: [
          {
            name: 'certificatesigningrequests',
            singularName: 'certificatesigningrequest',
            kind: 'CertificateSigningRequest',
            namespaced: false,
            verbs: ALL,
            shortNames: ['csr'],
            subresources: [{ name: 'approval', kind: 'CertificateSigningRequest', verbs: GPU }, status('CertificateSigningRequest')],
          },
        ],
      },
    ],
  },
  {
    name: 'networking.k8s.io',
    versions: [
      {
        version: 'v1',
        resources: [
          { name: 'ingressclasses', singularName: 'ingressclass', kind: 'IngressClass', namespaced: false, verbs: ALL },
          { name: 'ingresses', singularName: 'ingress', kind: 'Ingress', namespaced: true, verbs: ALL, shortNames: ['ing'], subresources: [status('Ingress')] },
          { name: 'networkpolicies', singularName: 'networkpolicy', kind: 'NetworkPolicy', namespaced: true, verbs: ALL, shortNames: ['netpol'] },
        ],
      },
    ],
  },
  {
    name: 'policy',
    versions: [
      {
        version: 'v1',
        resources: [{ name: 'poddisruptionbudgets', singularName: 'poddisruptionbudget', kind: 'PodDisruptionBudget', namespaced: true, verbs: ALL, shortNames: ['pdb'], subresources: [status('PodDisruptionBudget')] }],
      },
    ],
  },
  {
    name: 'rbac.authorization.k8s.io',
    versions: [
      {
        version: 'v1',
        resources: [
          { name: 'clusterrolebindings', singularName: 'clusterrolebinding', kind: 'ClusterRoleBinding', namespaced: false, verbs: ALL },
          { name: 'clusterroles', singularName: 'clusterrole', kind: 'ClusterRole', namespaced: false, verbs: ALL },
          { name: 'rolebindings', singularName: 'rolebinding', kind: 'RoleBinding', namespaced: true, verbs: ALL },
          { name: 'roles', singularName: 'role', kind: 'Role', namespaced: true, verbs: ALL },
        ],
      },
    ],
  },
  {
    name: 'storage.k8s.io',
    versions: [
      {
        version: 'v1',
        resources: [
          { name: 'csidrivers', singularName: 'csidriver', kind: 'CSIDriver', namespaced: false, verbs: ALL },
          { name: 'csinodes', singularName: 'csinode', kind: 'CSINode', namespaced: false, verbs: ALL },
          { name: 'csistoragecapacities', singularName: 'csistoragecapacity', kind: 'CSIStorageCapacity', namespaced: true, verbs: ALL },
          { name: 'storageclasses', singularName: 'storageclass', kind: 'StorageClass', namespaced: false, verbs: ALL, shortNames: ['sc'] },
          { name: 'volumeattachments', singularName: 'volumeattachment', kind: 'VolumeAttachment', namespaced: false, verbs: ALL, subresources: [status('VolumeAttachment')] },
        ],
      },
    ],
  },
  {
    name: 'admissionregistration.k8s.io',
    versions: [
      {
        version: 'v1',
        resources: [
          { name: 'mutatingwebhookconfigurations', singularName: 'mutatingwebhookconfiguration', kind: 'MutatingWebhookConfiguration', namespaced: false, verbs: ALL, categories: ['api-extensions'] },
          { name: 'validatingadmissionpolicies', singularName: 'validatingadmissionpolicy', kind: 'ValidatingAdmissionPolicy', namespaced: false, verbs: ALL, categories: ['api-extensions'], subresources: [status('ValidatingAdmissionPolicy')] },
          { name: 'validatingadmissionpolicybindings', singularName: 'validatingadmissionpolicybinding', kind: 'ValidatingAdmissionPolicyBinding', namespaced: false, verbs: ALL, categories: ['api-extensions'] },
          { name: 'validatingwebhookconfigurations', singularName: 'validatingwebhookconfiguration', kind: 'ValidatingWebhookConfiguration', namespaced: false, verbs: ALL, categories: ['api-extensions'] },
        ],
      },
    ],
  },
  {
    name: 'apiextensions.k8s.io',
    versions: [
      {
        version: 'v1',
        resources: [
          {
            name: 'customresourcedefinitions',
            singularName: 'customresourcedefinition',
            kind: 'CustomResourceDefinition',
            namespaced: false,
            verbs: ALL,
            shortNames: ['crd', 'crds'],
            categories: ['api-extensions'],
            subresources: [status('CustomResourceDefinition')],
          },
        ],
      },
    ],
  },
  {
    name: 'scheduling.k8s.io',
    versions: [{ version: 'v1', resources: [{ name: 'priorityclasses', singularName: 'priorityclass', kind: 'PriorityClass', namespaced: false, verbs: ALL, shortNames: ['pc'] }] }],
  },
  {
    name: 'coordination.k8s.io',
    versions: [{ version: 'v1', resources: [{ name: 'leases', singularName: 'lease', kind: 'Lease', namespaced: true, verbs: ALL }] }],
  },
  {
    name: 'node.k8s.io',
    versions: [{ version: 'v1', resources: [{ name: 'runtimeclasses', singularName: 'runtimeclass', kind: 'RuntimeClass', namespaced: false, verbs: ALL }] }],
  },
  {
    name: 'discovery.k8s.io',
    versions: [{ version: 'v1', resources: [{ name: 'endpointslices', singularName: 'endpointslice', kind: 'EndpointSlice', namespaced: true, verbs: ALL }] }],
  },
  {
    name: 'flowcontrol.apiserver.k8s.io',
    versions: [
      {
        version: 'v1',
        resources: [
          { name: 'flowschemas', singularName: 'flowschema', kind: 'FlowSchema', namespaced: false, verbs: ALL, subresources: [status('FlowSchema')] },
          { name: 'prioritylevelconfigurations', singularName: 'prioritylevelconfiguration', kind: 'PriorityLevelConfiguration', namespaced: false, verbs: ALL, subresources: [status('PriorityLevelConfiguration')] },
        ],
      },
    ],
  },
];

const groupVersion = (group: string, version: string): string => (group === '' ? version : `${group}/${version}`);

/** `GET /api`. */
export function apiVersions(groups: readonly GroupDef[] = KUBERNETES_1_32): Record<string, unknown> {
  const core = groups.find((g) => g.name === '');
  return { kind: 'APIVersions', apiVersion: 'v1', versions: core ? core.versions.map((v) => v.version) : [] };
}

function groupShape(g: GroupDef): Record<string, unknown> {
  const versions = g.versions.map((v) => ({ groupVersion: groupVersion(g.name, v.version), version: v.version }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}

/** `GET /apis`. */
export function apiGroupList(groups: readonly GroupDef[] = KUBERNETES_1_32): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.filter((g) => g.name !== '').map(groupShape) };
}

/** `GET /apis/<group>`, or undefined for a group not served. */
export function apiGroup(name: string, groups: readonly GroupDef[] = KUBERNETES_1_32): Record<string, unknown> | undefined {
  const g = name === '' ? undefined : groups.find((x) => x.name === name);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupShape(g) } : undefined;
}

/** `GET /api/v1` or `GET /apis/<group>/<version>`, or undefined for a group version not served. */
export function apiResourceList(group: string, version: string, groups: readonly GroupDef[] = KUBERNETES_1_32): Record<string, unknown> | undefined {
  const gv = groups.find((g) => g.name === group)?.versions.find((v) => v.version === version);
  if (!gv) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const r of gv.resources) {
    resources.push({
      name: r.name,
      singularName: r.singularName,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
    });
    for (const s of r.subresources ?? []) {
      resources.push({
        name: `${r.name}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group !== undefined ? { group: s.group } : {}),
        ...(s.version !== undefined ? { version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources };
}
