/**
 * The migration's safety check: for every principal aws-auth maps, the Kubernetes identity
 * (username, groups) and the effective permissions Entryway grants it now and after the migration,
 * computed with the same code the webhooks use (mapping/mapIdentity, policy/ rules). system:masters
 * counts as the cluster-admin ClusterRole (kube-apiserver allows the group everything); access
 * policies count with their scopes. RBAC bindings inside the cluster are not visible to Entryway:
 * they follow the username and groups, which are compared as identity.
 */
import defaultRoles from '../../data/k8s-default-clusterroles.json' with { type: 'json' };
import type { Identity, MappingView } from '../mapping/index.js';
import { mapIdentity } from '../mapping/index.js';
import type { AssociationRecord } from '../model/types.js';
import type { PermissionAtom, ScopedRules } from '../policy/permissions.js';
import { comparePermissions, scopedRulesFromClusterRole, scopedRulesFromGrants } from '../policy/permissions.js';
import type { PolicyRule } from '../policy/rbac.js';

const clusterAdmin = (defaultRoles as { name: string; rules: PolicyRule[] }[]).find((r) => r.name === 'cluster-admin');
if (!clusterAdmin) throw new Error('data/k8s-default-clusterroles.json has no cluster-admin role');

export interface ClusterState {
  view: MappingView;
  associations: readonly AssociationRecord[];
}

export interface IdentityAt {
  username?: string;
  groups?: string[];
  /** How the principal is mapped (access_entry, aws_auth, …) or why it is not. */
  source: string;
  permissions: string[];
}

export interface EquivalenceRow {
  principal: string;
  before: IdentityAt;
  after: IdentityAt;
  identityChanged: boolean;
  permissionsChanged: boolean;
  /** Permission atoms granted before but not after, and after but not before (readable keys). */
  lost: string[];
  gained: string[];
}

function rulesOf(state: ClusterState, identity: Identity): { at: IdentityAt; rules: ScopedRules[] } {
  const r = mapIdentity(identity, state.view, { lookupPrivateDnsName: () => 'ip-0-0-0-0.node.internal' });
  if (!r.ok) return { at: { source: `not authenticated (${r.code})`, permissions: [] }, rules: [] };
  const rules: ScopedRules[] = [];
  if (r.user.groups.includes('system:masters')) rules.push(scopedRulesFromClusterRole(clusterAdmin as { name: string; rules: PolicyRule[] }));
  if (r.source.kind === 'access_entry' && state.view.mode !== 'CONFIG_MAP') {
    const e = r.source.entry;
    rules.push(
      ...scopedRulesFromGrants(
        state.associations.filter((a) => a.principalArn === e.principalArn).map((a) => ({ principalArn: a.principalArn, principalId: identity.userId, policyArn: a.policyArn, scope: a.scope })),
      ),
    );
  }
  return {
    at: { username: r.user.username, groups: r.user.groups, source: r.source.kind, permissions: rules.map((x) => `${x.source} (${x.scope.type === 'cluster' ? 'cluster' : `namespaces ${x.scope.namespaces.join(', ')}`})`) },
    rules,
  };
}

const atomKeys = (atoms: readonly PermissionAtom[]) => atoms.map((a) => a.key);

export function compareIdentity(identity: Identity, before: ClusterState, after: ClusterState): EquivalenceRow {
  const b = rulesOf(before, identity);
  const a = rulesOf(after, identity);
  const cmp = comparePermissions(b.rules, a.rules);
  // system:masters turned into AmazonEKSClusterAdminPolicy is the intended translation: identical
  // permissions, and the group itself is not something an access entry may carry.
  const groupsBefore = (b.at.groups ?? []).filter((g) => g !== 'system:masters');
  const groupsAfter = (a.at.groups ?? []).filter((g) => g !== 'system:masters');
  const identityChanged = b.at.username !== a.at.username || JSON.stringify([...groupsBefore].sort()) !== JSON.stringify([...groupsAfter].sort());
  return {
    principal: identity.canonicalArn,
    before: b.at,
    after: a.at,
    identityChanged,
    permissionsChanged: !cmp.equivalent,
    lost: atomKeys(cmp.onlyInA),
    gained: atomKeys(cmp.onlyInB),
  };
}
