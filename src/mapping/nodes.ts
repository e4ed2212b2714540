// Node-typed access entries: the Kubernetes identity each type authenticates as, and the reverse
// mapping from legacy aws-auth node rows (eks-access.md §1.2, §7.1, Appendix B).
import type { AccessEntryType } from '../model/types.js';

export type NodeEntryType = Exclude<AccessEntryType, 'STANDARD'>;

export const NODE_ENTRY_TYPES: readonly NodeEntryType[] = ['EC2_LINUX', 'EC2_WINDOWS', 'FARGATE_LINUX', 'HYBRID_LINUX', 'EC2', 'HYPERPOD_LINUX'];

export const isNodeEntryType = (t: AccessEntryType): t is NodeEntryType => t !== 'STANDARD';

export const GROUP_NODES = 'system:nodes';
export const GROUP_BOOTSTRAPPERS = 'system:bootstrappers';
export const GROUP_NODE_PROXIER = 'system:node-proxier';
export const GROUP_KUBE_PROXY_WINDOWS = 'eks:kube-proxy-windows';
export const GROUP_MASTERS = 'system:masters';

/** Username a node type authenticates as; EKS fixes it and refuses a caller-supplied one. */
export function nodeUsername(type: NodeEntryType): string {
  return type === 'EC2_LINUX' || type === 'EC2_WINDOWS' ? 'system:node:{{EC2PrivateDNSName}}' : 'system:node:{{SessionName}}';
}

/**
 * Groups a node type authenticates with. The API reports `kubernetesGroups: ["system:nodes"]` for
 * node entries, but what the authenticator emits is not observable from outside EKS; we emit the
 * groups of the equivalent documented aws-auth row so nodes keep bootstrapping (CSR approval needs
 * system:bootstrappers, Windows kube-proxy and Fargate need their extra groups). UNCONFIRMED
 * choices:
 * - `EC2` (Auto Mode): `system:nodes` only, the groups observed on real Auto Mode entries.
 * - `HYPERPOD_LINUX`: treated like a self-managed Linux node (`system:bootstrappers`,
 *   `system:nodes`), the least surprising set for an instance that joins as a kubelet.
 */
export function nodeGroups(type: NodeEntryType): readonly string[] {
  switch (type) {
    case 'EC2_LINUX':
    case 'HYBRID_LINUX':
    case 'HYPERPOD_LINUX':
      return [GROUP_BOOTSTRAPPERS, GROUP_NODES];
    case 'EC2_WINDOWS':
      return [GROUP_BOOTSTRAPPERS, GROUP_NODES, GROUP_KUBE_PROXY_WINDOWS];
    case 'FARGATE_LINUX':
      return [GROUP_BOOTSTRAPPERS, GROUP_NODES, GROUP_NODE_PROXIER];
    case 'EC2':
      return [GROUP_NODES];
  }
}

/**
 * The access-entry type an aws-auth row becomes, or undefined for a non-node row. eksctl's rule
 * (`system:nodes` → EC2_LINUX, plus `eks:kube-proxy-windows` → EC2_WINDOWS) extended with Fargate
 * (`system:node-proxier`) and hybrid nodes (`system:node:{{SessionName}}` without node-proxier):
 * eksctl would turn those into EC2_LINUX and change the node's name to a DNS lookup that fails.
 */
export function nodeTypeForRow(username: string, groups: readonly string[]): NodeEntryType | undefined {
  if (!groups.includes(GROUP_NODES)) return undefined;
  if (groups.includes(GROUP_KUBE_PROXY_WINDOWS)) return 'EC2_WINDOWS';
  if (groups.includes(GROUP_NODE_PROXIER)) return 'FARGATE_LINUX';
  if (username === nodeUsername('HYBRID_LINUX')) return 'HYBRID_LINUX';
  return 'EC2_LINUX';
}
