/**
 * Records shared by the domain, the store and the in-memory index.
 * Times are epoch milliseconds; the EKS API serialises them as epoch seconds.
 */

export const AUTHENTICATION_MODES = ['API', 'API_AND_CONFIG_MAP', 'CONFIG_MAP'] as const;
export type AuthenticationMode = (typeof AUTHENTICATION_MODES)[number];

export const ACCESS_ENTRY_TYPES = [
  'STANDARD',
  'FARGATE_LINUX',
  'EC2_LINUX',
  'EC2_WINDOWS',
  'EC2',
  'HYBRID_LINUX',
  'HYPERPOD_LINUX',
] as const;
export type AccessEntryType = (typeof ACCESS_ENTRY_TYPES)[number];

export type Tags = Record<string, string>;

/** Who created a cluster: the SigV4 caller of CreateCluster. */
export interface CreatorRecord {
  /** ARN as the caller presented it (user ARN, or assumed-role session ARN). */
  arn: string;
  /** IAM principal ARN including its path (role ARN for sessions). */
  principalArn: string;
  /** IAM unique ID (AIDA…/AROA…). */
  principalId: string;
  accountId: string;
}

export interface ClusterSettings {
  /**
   * Refuse calls that would remove the last cluster-admin path of a cluster in API mode.
   * A deliberate difference from EKS (see docs/operations.md).
   */
  lockoutProtection: boolean;
}

export interface ClusterRecord {
  name: string;
  /** Stable cluster ID (EKS `id` is only set for Outposts; we use it internally and in `identity.oidc.issuer`). */
  id: string;
  accountId: string;
  region: string;
  arn: string;
  createdAt: number;
  /** Until this time the cluster reports CREATING. */
  readyAt: number;
  version: string;
  platformVersion: string;
  roleArn: string;
  /** Other CreateCluster inputs kept verbatim and echoed back (resourcesVpcConfig, logging, …). */
  spec: Record<string, unknown>;
  tags: Tags;
  clientRequestToken?: string;
  authenticationMode: AuthenticationMode;
  bootstrapClusterCreatorAdminPermissions: boolean;
  creator: CreatorRecord;
  /** CONFIG_MAP clusters: the creator's admin grant that no configuration shows (EKS behaviour). */
  hiddenCreatorAdmin: boolean;
  settings: ClusterSettings;
  /** Optional override of the endpoint/CA that DescribeCluster reports (a real kube-apiserver). */
  endpointOverride?: { endpoint: string; caData?: string };
}

export type UpdateStatus = 'InProgress' | 'Failed' | 'Cancelled' | 'Successful';

export interface UpdateRecord {
  id: string;
  clusterName: string;
  type: string;
  params: { type: string; value: string }[];
  createdAt: number;
  /** The update completes (and takes effect) at this time. */
  completesAt: number;
  /** Status once finished; while now < completesAt the update is InProgress. */
  finalStatus: Exclude<UpdateStatus, 'InProgress'>;
  /** Set once the effect has been written to the cluster. */
  applied: boolean;
  errors: { errorCode: string; errorMessage: string; resourceIds: string[] }[];
  /** What completing the update does, e.g. {authenticationMode: 'API'}. */
  effect: Record<string, unknown>;
}

export interface AccessEntryRecord {
  clusterName: string;
  principalArn: string;
  /**
   * IAM unique ID (AIDA…/AROA…) captured when the entry was created, when Entryway's IAM holds the
   * principal's account. null for principals of accounts Entryway does not hold (matched by ARN).
   */
  principalId: string | null;
  type: AccessEntryType;
  username: string;
  kubernetesGroups: string[];
  tags: Tags;
  createdAt: number;
  modifiedAt: number;
  uuid: string;
  accessEntryArn: string;
}

export type AccessScopeType = 'cluster' | 'namespace';
export interface AccessScope {
  type: AccessScopeType;
  namespaces: string[];
}

export interface AssociationRecord {
  clusterName: string;
  principalArn: string;
  policyArn: string;
  scope: AccessScope;
  associatedAt: number;
  modifiedAt: number;
}

/** One row of the aws-auth ConfigMap after parsing. */
export interface AwsAuthMapping {
  kind: 'role' | 'user';
  arn: string;
  username: string;
  groups: string[];
}

export interface AwsAuthRecord {
  clusterName: string;
  /** The YAML that produced the current (last good) mapping. */
  source: string;
  mapRoles: AwsAuthMapping[];
  mapUsers: AwsAuthMapping[];
  mapAccounts: string[];
  appliedAt: number;
  /** Rows skipped while parsing the last good document. */
  warnings: string[];
  /** The last rejected document's error, kept so operators can see why an update did not apply. */
  lastError?: { at: number; message: string };
}

export type IdentityProviderStatus = 'CREATING' | 'DELETING' | 'ACTIVE';

export interface OidcProviderRecord {
  clusterName: string;
  name: string;
  arn: string;
  issuerUrl: string;
  clientId: string;
  usernameClaim?: string;
  usernamePrefix?: string;
  groupsClaim?: string;
  groupsPrefix?: string;
  requiredClaims: Record<string, string>;
  tags: Tags;
  createdAt: number;
  /** ACTIVE from this time (association is an asynchronous update). */
  activeAt: number;
  /** Set while a disassociation is in progress: the config disappears at this time. */
  deletingAt?: number;
}

// ---------------------------------------------------------------- IAM

export interface AccountRecord {
  accountId: string;
  createdAt: number;
}

export interface IamUserRecord {
  accountId: string;
  userName: string;
  path: string;
  userId: string;
  arn: string;
  createdAt: number;
  tags: Tags;
}

export interface IamRoleRecord {
  accountId: string;
  roleName: string;
  path: string;
  roleId: string;
  arn: string;
  createdAt: number;
  assumeRolePolicyDocument: string;
  description: string;
  maxSessionDuration: number;
  tags: Tags;
}

export type AccessKeyStatus = 'Active' | 'Inactive';

export interface AccessKeyRecord {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  userName: string;
  status: AccessKeyStatus;
  createdAt: number;
}

/** Temporary credentials issued by AssumeRole. */
/**
 * A console sign-in code (`entryway console`): single use, minutes long. Bound to the identity and
 * the access key that signed the request for it; the session it becomes inherits both.
 */
export interface ConsoleSignInRecord {
  caller: Caller;
  createdAt: number;
  expiresAt: number;
  /** When the session made from this code will end (the configured lifetime, capped by temporary credentials' expiry). */
  sessionExpiresAt: number;
}

/** A console session: what the `__Host-entryway-session` cookie resolves to (stored by its SHA-256). */
export interface ConsoleSessionRecord {
  caller: Caller;
  /** Sent by the console with every API call (x-entryway-csrf); a cross-site request cannot know it. */
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
}

export interface SessionRecord {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  accountId: string;
  roleName: string;
  roleId: string;
  roleArn: string;
  sessionName: string;
  expiresAt: number;
  createdAt: number;
  /** ARN of the principal that called AssumeRole. */
  sourceArn: string;
}

/** Who a managed or inline policy is attached to. */
export type IamPrincipalType = 'user' | 'role' | 'group';

/** An IAM group: its policies apply to every member user (groups are not principals themselves). */
export interface IamGroupRecord {
  accountId: string;
  groupName: string;
  path: string;
  groupId: string;
  arn: string;
  createdAt: number;
}

export interface ManagedPolicyRecord {
  arn: string;
  accountId: string;
  name: string;
  path: string;
  policyId: string;
  document: string;
  description: string;
  createdAt: number;
  updatedAt: number;
  tags?: Tags;
}

export interface PolicyAttachmentRecord {
  accountId: string;
  principalType: IamPrincipalType;
  principalName: string;
  policyArn: string;
}

export interface InlinePolicyRecord {
  accountId: string;
  principalType: IamPrincipalType;
  principalName: string;
  policyName: string;
  document: string;
}

export interface Ec2InstanceRecord {
  instanceId: string;
  privateDnsName: string;
  updatedAt: number;
}

// ---------------------------------------------------------------- audit

export interface AuditEvent {
  id?: number;
  at: number;
  requestId: string;
  /** Principal ARN of the caller (never a secret); '-' when unauthenticated. */
  principalArn: string;
  accessKeyId: string;
  sourceIp: string;
  service: string;
  operation: string;
  clusterName: string | null;
  resource: string | null;
  /** 'Success' or the error type. */
  result: string;
  errorMessage?: string;
  before?: unknown;
  after?: unknown;
  /** Authentication/authorization decisions when decision auditing is on. */
  kind: 'management' | 'authentication' | 'authorization';
}

// ---------------------------------------------------------------- callers

/** The verified SigV4 caller of a management request (or the identity behind a token). */
export interface Caller {
  accountId: string;
  /** ARN as STS GetCallerIdentity reports it. */
  arn: string;
  /** The IAM principal: user ARN, or the role ARN (with its path) behind a session. */
  principalArn: string;
  principalId: string;
  accessKeyId: string;
  kind: 'user' | 'assumed-role';
  userName?: string;
  roleName?: string;
  sessionName?: string;
}
