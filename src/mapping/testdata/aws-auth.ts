// aws-auth documents used by the tests: the EKS user-guide example (eks-access.md §7.1) and the
// upstream fixture situations (iam-authenticator.md §6, §8.4), written afresh.

export const EKS_EXAMPLE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapRoles: |
    - groups:
      - system:bootstrappers
      - system:nodes
      rolearn: arn:aws:iam::111122223333:role/my-role
      username: system:node:{{EC2PrivateDNSName}}
    - groups:
      - eks-console-dashboard-full-access-group
      rolearn: arn:aws:iam::111122223333:role/my-console-viewer-role
      username: my-console-viewer-role
  mapUsers: |
    - groups:
      - system:masters
      userarn: arn:aws:iam::111122223333:user/admin
      username: admin
    - groups:
      - eks-console-dashboard-restricted-access-group
      userarn: arn:aws:iam::444455556666:user/my-user
      username: my-user
`;

export const CRAZY_CASE_KEYS = `apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapRoles: |
    - RoLeArN: arn:aws:iam::111122223333:role/node
      UsErNaMe: system:node:{{EC2PrivateDNSName}}
      GrOuPs:
        - system:bootstrappers
        - system:nodes
  mapUsers: |
    - uSeRaRn: arn:aws:iam::111122223333:user/alice
      USERNAME: alice
      groups: [devs]
`;

export const ARN_CAMEL_KEYS = `data:
  mapRoles: |
    - roleARN: arn:aws:iam::111122223333:role/ops
      username: ops
  mapUsers: |
    - userARN: arn:aws:iam::111122223333:user/bob
      username: bob
`;

export const LOWERCASE_TOP_KEYS = `apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  maproles: |
    - rolearn: arn:aws:iam::111122223333:role/node
      username: x
  mapusers: |
    - userarn: arn:aws:iam::111122223333:user/alice
      username: alice
  mapaccounts: |
    - "111122223333"
`;

export const CRAZY_CASE_TOP_KEYS = `data:
  MaPrOlEs: |
    - rolearn: arn:aws:iam::111122223333:role/node
      username: x
  MAPUSERS: |
    - userarn: arn:aws:iam::111122223333:user/alice
`;

export const MISPLACED_SPACE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapRoles: |
    - rolearn: arn:aws:iam::111122223333:role/node
      username: system:node:{{EC2PrivateDNSName}}
      groups:
      - system:bootstrappers
        - system:nodes
`;

export const MISSING_BAR = `apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapRoles:
    - rolearn: arn:aws:iam::111122223333:role/node
      username: system:node:{{EC2PrivateDNSName}}
      groups:
        - system:bootstrappers
        - system:nodes
`;

export const EMPTY_VALUES = `apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapRoles: '""'
  mapUsers: "''"
  mapAccounts: "\`\`"
`;

export const UNQUOTED_SESSION_NAME = `apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapRoles: |
    - rolearn: arn:aws:iam::111122223333:role/node
      username: system:node:{{EC2PrivateDNSName}}
      groups:
        - system:bootstrappers
        - system:nodes
    - rolearn: arn:aws:iam::111122223333:role/dev
      username: {{SessionName}}
      groups:
        - devs
`;

export const DUPLICATES = `data:
  mapRoles: |
    - rolearn: arn:aws:iam::111122223333:role/Dev
      username: first
      groups: [a]
    - rolearn: arn:aws:iam::111122223333:role/dev
      username: second
      groups: [b]
  mapUsers: |
    - userarn: arn:aws:iam::111122223333:user/alice
      username: alice-1
    - userarn: arn:aws:iam::111122223333:user/Alice
      username: alice-2
`;
