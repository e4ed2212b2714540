/**
 * EKS's wording for the rules' violations and errors the reference records (eks-access.md §6.9).
 * Data only; clients and tests match on these sentences.
 */
export const eksMessages = {
  clusterNotFound: (name: string) => `No cluster found for name: ${name}.`,
  entryNotFound: "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.",
  entryInUse: 'The specified access entry resource is already in use on this cluster.',
  invalidPrincipal: 'The specified principalArn is invalid: invalid principal.',
  /** aws-samples/appmod-blueprints#319 (CreateAccessEntry with an sts assumed-role ARN). */
  principalFormat: 'The principalArn parameter format is not valid',
  /** hashicorp/terraform-provider-aws#36447 (CreateAccessEntry with an aws-service-role/ principal). */
  serviceLinkedRole: 'The caller is not allowed to modify access entries with a principalArn value of a Service Linked Role',
  onlyStandard: 'This operation can only be performed on Access Entries with a type of "STANDARD".',
  modeMustAllowApi: "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.",
  unsupportedModeUpdate: (from: string, to: string) => `Unsupported authentication mode update from ${from} to ${to}`,
  bootstrapRequiredForConfigMap: 'bootstrapClusterCreatorAdminPermissions must be true if cluster authentication mode is set to CONFIG_MAP',
  updateInProgress: (kind: string, cluster: string, id: string) => `Cannot ${kind} because cluster ${cluster} currently has update ${id} in progress`,
  groupReserved: (g: string) => `The kubernetes group name ${g} is invalid, it cannot start with system:`,
  usernameReserved: (prefix: string) => `The username must not begin with ${prefix}`,
};
