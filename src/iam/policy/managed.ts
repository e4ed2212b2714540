/**
 * AWS managed policies Entryway knows, as data. Users attach them by their AWS ARNs
 * (`arn:aws:iam::aws:policy/ReadOnlyAccess`) exactly as in AWS.
 *
 * Faithfulness: AdministratorAccess, IAMFullAccess and IAMReadOnlyAccess match AWS's documents.
 * PowerUserAccess keeps AWS's structure (everything except iam/organizations/account, plus the few
 * IAM/Organizations/Account reads AWS adds back). ReadOnlyAccess is a subset: AWS's list has
 * thousands of actions across every service; we keep the read actions of the services an
 * Entryway user meets (EKS, IAM, STS) and of common neighbours (EC2, S3, CloudWatch, Logs,
 * Organizations…). AmazonEKSClusterPolicy and AmazonEKSWorkerNodePolicy exist so scripts written
 * for AWS (which attach them to the cluster and node roles) run unchanged; their EKS-relevant
 * statements are kept, the rest is trimmed. Policy IDs are Entryway's, stable, and not AWS's.
 */
import type { ManagedPolicyRecord } from '../../model/types.js';

export const AWS_MANAGED_POLICY_PREFIX = 'arn:aws:iam::aws:policy/';
/** AWS managed policies were published before any account existed; a fixed date keeps output stable. */
const PUBLISHED = Date.UTC(2015, 1, 6, 18, 39, 46);

interface ManagedDef {
  name: string;
  description: string;
  statements: Record<string, unknown>[];
}

const DEFS: ManagedDef[] = [
  {
    name: 'AdministratorAccess',
    description: 'Provides full access to AWS services and resources.',
    statements: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  },
  {
    name: 'PowerUserAccess',
    description: 'Provides full access to AWS services and resources, but does not allow management of Users and groups.',
    statements: [
      { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: [
          'account:GetAccountInformation',
          'account:GetPrimaryEmail',
          'account:ListRegions',
          'iam:CreateServiceLinkedRole',
          'iam:DeleteServiceLinkedRole',
          'iam:ListRoles',
          'organizations:DescribeOrganization',
        ],
        Resource: '*',
      },
    ],
  },
  {
    name: 'ReadOnlyAccess',
    description: 'Provides read-only access to AWS services and resources.',
    statements: [
      {
        Effect: 'Allow',
        Action: [
          'eks:Describe*',
          'eks:List*',
          'eks:AccessKubernetesApi',
          // Entryway's own read-only actions, as AWS includes every service's reads in this policy.
          'entryway:Get*',
          'entryway:List*',
          'entryway:CanI',
          'entryway:WhoCan',
          'entryway:Doctor',
          'entryway:PlanAwsAuthMigration',
          // Signing in to the console changes nothing; what the session may do is this policy.
          'entryway:CreateConsoleSignIn',
          'cloudformation:Describe*',
          'cloudformation:Detect*',
          'cloudformation:Estimate*',
          'cloudformation:Get*',
          'cloudformation:List*',
          'cloudformation:ValidateTemplate',
          'iam:Generate*',
          'iam:Get*',
          'iam:List*',
          'iam:Simulate*',
          'sts:GetAccessKeyInfo',
          'sts:GetCallerIdentity',
          'sts:GetSessionToken',
          'ec2:Describe*',
          'ec2:Get*',
          's3:Get*',
          's3:List*',
          'cloudwatch:Describe*',
          'cloudwatch:Get*',
          'cloudwatch:List*',
          'logs:Describe*',
          'logs:Get*',
          'logs:FilterLogEvents',
          'logs:ListTagsLogGroup',
          'organizations:Describe*',
          'organizations:List*',
          'tag:Get*',
          'ecr:BatchGet*',
          'ecr:Describe*',
          'ecr:Get*',
          'ecr:List*',
          'elasticloadbalancing:Describe*',
          'autoscaling:Describe*',
          'cloudformation:Describe*',
          'cloudformation:Get*',
          'cloudformation:List*',
        ],
        Resource: '*',
      },
    ],
  },
  {
    name: 'IAMFullAccess',
    description: 'Provides full access to IAM via the AWS Management Console.',
    statements: [
      {
        Effect: 'Allow',
        Action: [
          'iam:*',
          'organizations:DescribeAccount',
          'organizations:DescribeOrganization',
          'organizations:DescribeOrganizationalUnit',
          'organizations:DescribePolicy',
          'organizations:ListChildren',
          'organizations:ListParents',
          'organizations:ListPoliciesForTarget',
          'organizations:ListRoots',
          'organizations:ListPolicies',
          'organizations:ListTargetsForPolicy',
        ],
        Resource: '*',
      },
    ],
  },
  {
    name: 'IAMReadOnlyAccess',
    description: 'Provides read only access to IAM via the AWS Management Console.',
    statements: [
      {
        Effect: 'Allow',
        Action: [
          'iam:GenerateCredentialReport',
          'iam:GenerateServiceLastAccessedDetails',
          'iam:Get*',
          'iam:List*',
          'iam:SimulateCustomPolicy',
          'iam:SimulatePrincipalPolicy',
        ],
        Resource: '*',
      },
    ],
  },
  {
    name: 'AmazonEKSClusterPolicy',
    description: 'This policy provides Kubernetes the permissions it requires to manage resources on your behalf.',
    statements: [
      {
        Effect: 'Allow',
        Action: [
          'autoscaling:DescribeAutoScalingGroups',
          'autoscaling:UpdateAutoScalingGroup',
          'ec2:Describe*',
          'ec2:CreateTags',
          'elasticloadbalancing:Describe*',
          'kms:DescribeKey',
        ],
        Resource: '*',
      },
      {
        Effect: 'Allow',
        Action: 'iam:CreateServiceLinkedRole',
        Resource: '*',
        Condition: { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } },
      },
    ],
  },
  {
    name: 'AmazonEKSWorkerNodePolicy',
    description: 'This policy allows Amazon EKS worker nodes to connect to Amazon EKS Clusters.',
    statements: [
      {
        Sid: 'WorkerNodePermissions',
        Effect: 'Allow',
        Action: [
          'ec2:DescribeInstances',
          'ec2:DescribeInstanceTypes',
          'ec2:DescribeRouteTables',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeSubnets',
          'ec2:DescribeVolumes',
          'ec2:DescribeVolumesModifications',
          'ec2:DescribeVpcs',
          'eks:DescribeCluster',
          'eks-auth:AssumeRoleForPodIdentity',
        ],
        Resource: '*',
      },
    ],
  },
];

const RECORDS: ReadonlyMap<string, ManagedPolicyRecord> = new Map(
  DEFS.map((d) => {
    const arn = AWS_MANAGED_POLICY_PREFIX + d.name;
    const rec: ManagedPolicyRecord = {
      arn,
      accountId: 'aws',
      name: d.name,
      path: '/',
      // ANPA + 17 base32 characters derived from the name: stable and shaped like AWS's.
      policyId: `ANPA${`EW${d.name.toUpperCase().replace(/[^A-Z]/g, '')}${'A'.repeat(17)}`.slice(0, 17)}`,
      document: JSON.stringify({ Version: '2012-10-17', Statement: d.statements }),
      description: d.description,
      createdAt: PUBLISHED,
      updatedAt: PUBLISHED,
    };
    return [arn, rec] as const;
  }),
);

export const getAwsManagedPolicy = (arn: string): ManagedPolicyRecord | undefined => RECORDS.get(arn);
export const listAwsManagedPolicies = (): ManagedPolicyRecord[] => [...RECORDS.values()];
export const isAwsManagedArn = (arn: string): boolean => /^arn:[a-z-]+:iam::aws:policy\//.test(arn);
