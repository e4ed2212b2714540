/**
 * The resource types Entryway's CloudFormation serves, as data: property names (as in the AWS
 * CloudFormation resource reference), which are required, which force a replacement when they
 * change, the `Fn::GetAtt` attributes, and what `Ref` returns. The providers that act on them are
 * in resources.ts; validation and change sets read only this table. Pure.
 */

export interface ResourceTypeSpec {
  /** Every property the type accepts. */
  properties: readonly string[];
  required: readonly string[];
  /** A change to one of these replaces the resource ("Update requires: Replacement"). */
  replaceOn: readonly string[];
  /** `Fn::GetAtt` attribute names. */
  attributes: readonly string[];
  /** What `Ref` returns, for docs and errors. */
  ref: string;
}

export const RESOURCE_TYPES: Readonly<Record<string, ResourceTypeSpec>> = {
  'AWS::EKS::Cluster': {
    properties: [
      'Name',
      'RoleArn',
      'ResourcesVpcConfig',
      'Version',
      'AccessConfig',
      'Tags',
      'KubernetesNetworkConfig',
      'Logging',
      'EncryptionConfig',
      'UpgradePolicy',
      'BootstrapSelfManagedAddons',
      'OutpostConfig',
      'ZonalShiftConfig',
      'ComputeConfig',
      'StorageConfig',
      'RemoteNetworkConfig',
      'Force',
      'DeletionProtection',
    ],
    required: ['RoleArn', 'ResourcesVpcConfig'],
    replaceOn: ['Name', 'RoleArn', 'EncryptionConfig', 'KubernetesNetworkConfig', 'OutpostConfig', 'BootstrapSelfManagedAddons', 'AccessConfig.BootstrapClusterCreatorAdminPermissions'],
    attributes: ['Arn', 'Endpoint', 'CertificateAuthorityData', 'ClusterSecurityGroupId', 'EncryptionConfigKeyArn', 'Id', 'OpenIdConnectIssuerUrl', 'KubernetesNetworkConfig.ServiceIpv6Cidr'],
    ref: 'the cluster name',
  },
  'AWS::EKS::AccessEntry': {
    properties: ['ClusterName', 'PrincipalArn', 'Type', 'Username', 'KubernetesGroups', 'AccessPolicies', 'Tags'],
    required: ['ClusterName', 'PrincipalArn'],
    replaceOn: ['ClusterName', 'PrincipalArn', 'Type'],
    attributes: ['AccessEntryArn'],
    ref: 'PrincipalArn|ClusterName',
  },
  'AWS::EKS::IdentityProviderConfig': {
    properties: ['ClusterName', 'Type', 'IdentityProviderConfigName', 'Oidc', 'Tags'],
    required: ['ClusterName', 'Type'],
    replaceOn: ['ClusterName', 'Type', 'IdentityProviderConfigName', 'Oidc'],
    attributes: ['IdentityProviderConfigArn'],
    ref: 'IdentityProviderConfigName|ClusterName|Type',
  },
  'AWS::IAM::Role': {
    properties: ['RoleName', 'Path', 'AssumeRolePolicyDocument', 'ManagedPolicyArns', 'Policies', 'Tags', 'Description', 'MaxSessionDuration', 'PermissionsBoundary'],
    required: ['AssumeRolePolicyDocument'],
    replaceOn: ['RoleName', 'Path'],
    attributes: ['Arn', 'RoleId'],
    ref: 'the role name',
  },
  'AWS::IAM::User': {
    properties: ['UserName', 'Path', 'ManagedPolicyArns', 'Policies', 'Groups', 'Tags', 'LoginProfile', 'PermissionsBoundary'],
    required: [],
    replaceOn: ['UserName', 'Path'],
    attributes: ['Arn'],
    ref: 'the user name',
  },
  'AWS::IAM::AccessKey': {
    properties: ['UserName', 'Status', 'Serial'],
    required: ['UserName'],
    replaceOn: ['UserName', 'Serial'],
    attributes: ['SecretAccessKey'],
    ref: 'the access key ID',
  },
};

export const SUPPORTED_TYPES = Object.keys(RESOURCE_TYPES);
