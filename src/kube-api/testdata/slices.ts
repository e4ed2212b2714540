/** Test fixtures: index slices and users for the review tests (no store, no server). */
import { readFileSync } from 'node:fs';
import { ClusterSlice } from '../../index/access-index.js';
import type { AccessEntryRecord, AssociationRecord, AuthenticationMode, ClusterRecord } from '../../model/types.js';
import type { KubernetesUser } from '../../mapping/identity.js';

export const ACCOUNT = '111122223333';
export const ALICE_ARN = `arn:aws:iam::${ACCOUNT}:user/alice`;
export const ALICE_ID = 'AIDAALICEALICEALICE01';
export const POLICY = (name: string): string => `arn:aws:eks::aws:cluster-access-policy/${name}`;

export function cluster(mode: AuthenticationMode, name = 'demo'): ClusterRecord {
  return {
    name,
    id: '00000000-0000-0000-0000-000000000001',
    accountId: ACCOUNT,
    region: 'us-east-1',
    arn: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/${name}`,
    createdAt: 0,
    readyAt: 0,
    version: '1.31',
    platformVersion: 'eks.1',
    roleArn: `arn:aws:iam::${ACCOUNT}:role/eks`,
    spec: {},
    tags: {},
    authenticationMode: mode,
    bootstrapClusterCreatorAdminPermissions: true,
    creator: { arn: `arn:aws:iam::${ACCOUNT}:user/admin`, principalArn: `arn:aws:iam::${ACCOUNT}:user/admin`, principalId: 'AIDAADMINADMINADMIN01', accountId: ACCOUNT },
    hiddenCreatorAdmin: mode === 'CONFIG_MAP',
    settings: { lockoutProtection: true },
  };
}

function entry(clusterName: string): AccessEntryRecord {
  return {
    clusterName,
    principalArn: ALICE_ARN,
    principalId: ALICE_ID,
    type: 'STANDARD',
    username: ALICE_ARN,
    kubernetesGroups: [],
    tags: {},
    createdAt: 0,
    modifiedAt: 0,
    uuid: 'u',
    accessEntryArn: `arn:aws:eks:us-east-1:${ACCOUNT}:access-entry/${clusterName}/user/${ACCOUNT}/alice/u`,
  };
}

/** Alice with View at cluster scope and Edit in `dev-*` (the e2e setup), unless `policies` says otherwise. */
export function aliceSlice(mode: AuthenticationMode = 'API_AND_CONFIG_MAP', policies?: { policy: string; scope: AssociationRecord['scope'] }[]): ClusterSlice {
  const c = cluster(mode);
  const assoc = (policies ?? [
    { policy: 'AmazonEKSViewPolicy', scope: { type: 'cluster' as const, namespaces: [] } },
    { policy: 'AmazonEKSEditPolicy', scope: { type: 'namespace' as const, namespaces: ['dev-*'] } },
  ]).map((p): AssociationRecord => ({ clusterName: c.name, principalArn: ALICE_ARN, policyArn: POLICY(p.policy), scope: p.scope, associatedAt: 0, modifiedAt: 0 }));
  return new ClusterSlice(c, 1, [], [entry(c.name)], assoc, undefined, []);
}

/** A user as the authenticator maps an IAM identity (uid and extra as aws-iam-authenticator sets them). */
export function iamUser(username: string, principalId: string, groups: string[] = []): KubernetesUser {
  return {
    username,
    uid: `aws-iam-authenticator:${ACCOUNT}:${principalId}`,
    groups,
    extra: {
      arn: [username],
      canonicalArn: [username],
      sessionName: [''],
      accessKeyId: ['AKIAEXAMPLE'],
      principalId: [principalId],
      'sigs.k8s.io/aws-iam-authenticator/principalId': [principalId],
    },
  };
}

export const alice = (): KubernetesUser => iamUser(ALICE_ARN, ALICE_ID);

export interface CapturedRequest {
  command: string;
  path: string;
  contentType: string;
  body: string;
}

/** Bodies real kubectl 1.32.4 sent (kubectl-1.32.4-requests.json). */
export function capturedRequests(): CapturedRequest[] {
  const doc = JSON.parse(readFileSync(new URL('./kubectl-1.32.4-requests.json', import.meta.url), 'utf8')) as { requests: CapturedRequest[] };
  return doc.requests;
}

export function captured(command: string): Buffer {
  const r = capturedRequests().find((x) => x.command === command);
  if (!r) throw new Error(`no captured request for ${command}`);
  return Buffer.from(r.body, 'hex');
}
