/**
 * When a mapping was last used to authenticate (authn/last-use.ts records them). One row per
 * cluster and mapping: an access entry (key: its principal ARN), an aws-auth row (`mapRoles:ARN`,
 * `mapUsers:ARN`, `mapAccounts:ID`), the CONFIG_MAP creator's hidden grant (its ARN) or an OIDC
 * identity provider (its name).
 */
export type LastUseKind = 'entry' | 'aws-auth' | 'creator' | 'oidc';

export interface LastUseRecord {
  clusterName: string;
  kind: LastUseKind;
  key: string;
  lastUsedAt: number;
  /** The address the review came from: kube-apiserver's for webhook reviews, the user's on Entryway's own endpoint. */
  sourceIp: string;
}
