/**
 * Every table a backup or a store copy carries, with the key its rows are read in (so a dump is
 * in the same order on both engines: text keys compare bytewise on both) and what in it is
 * secret. A table added by a migration must be listed here: `tables.test.ts` fails otherwise, so
 * a later feature's data cannot silently stay behind in a copy.
 */
import { randomBytes } from 'node:crypto';
import type { Row } from './sql.js';

export interface TableSpec {
  /** Primary key columns, the order rows are dumped and compared in. */
  key: string[];
  /** A column filled by a sequence (PostgreSQL's must be moved past the copied rows). */
  serial?: string;
  /**
   * The row as a backup without secrets holds it; `null` leaves the row out. Absent: nothing
   * secret in this table.
   */
  withoutSecrets?: (row: Row) => Row | null;
  /** Makes a row of a backup without secrets whole again on restore. */
  restoreWithoutSecrets?: (row: Row) => Row;
}

const dataOf = (row: Row): Record<string, unknown> => JSON.parse(String(row.data)) as Record<string, unknown>;

export const TABLES: Record<string, TableSpec> = {
  settings: {
    key: ['key'],
    // The bearer token kube-apiserver presents to the webhooks; a server on the restored store
    // makes a new one at start (the webhook kubeconfig must then be written again).
    withoutSecrets: (row) => (row.key === 'webhookToken' ? null : row),
  },
  accounts: { key: ['account_id'] },
  iam_users: { key: ['account_id', 'name_lower'] },
  iam_roles: { key: ['account_id', 'name_lower'] },
  iam_groups: { key: ['account_id', 'name_lower'] },
  iam_group_members: { key: ['account_id', 'group_lower', 'user_lower'] },
  iam_access_keys: {
    key: ['access_key_id'],
    // The key's identity stays (it is named in policies, audit and credentials files); its secret
    // does not. On restore the key comes back Inactive with a fresh secret nobody holds, so it can
    // never sign (an empty or known secret would let anyone forge requests), and its owner makes
    // a new one.
    withoutSecrets: (row) => {
      const { secretAccessKey: _secret, ...rest } = dataOf(row);
      return { ...row, data: JSON.stringify(rest) };
    },
    restoreWithoutSecrets: (row) => ({
      ...row,
      data: JSON.stringify({ ...dataOf(row), secretAccessKey: randomBytes(30).toString('base64'), status: 'Inactive' }),
    }),
  },
  // Temporary credentials (at most 12 h) are nothing but secrets: left out of a backup without them.
  iam_sessions: { key: ['access_key_id'], withoutSecrets: () => null },
  iam_managed_policies: { key: ['arn'] },
  iam_policy_attachments: { key: ['account_id', 'principal_type', 'principal_lower', 'policy_arn'] },
  iam_inline_policies: { key: ['account_id', 'principal_type', 'principal_lower', 'policy_name'] },
  clusters: { key: ['name'] },
  cluster_updates: { key: ['cluster_name', 'id'] },
  access_entries: { key: ['cluster_name', 'principal_arn'] },
  access_policy_associations: { key: ['cluster_name', 'principal_arn', 'policy_arn'] },
  aws_auth: { key: ['cluster_name'] },
  identity_provider_configs: { key: ['cluster_name', 'name'] },
  ec2_instances: { key: ['instance_id'] },
  idempotency: { key: ['scope', 'token'] },
  audit_events: { key: ['id'], serial: 'id' },
  // Console sign-in codes and sessions are bearer credentials (hashed, but a session row is what a
  // cookie resolves to): only in a backup with secrets, like STS sessions.
  console_sign_ins: { key: ['code_hash'], withoutSecrets: () => null },
  console_sessions: { key: ['id_hash'], withoutSecrets: () => null },
  // A stack keeps the resolved properties and attributes of its resources; an AWS::IAM::AccessKey's
  // SecretAccessKey attribute is a secret (cloudformation/stacks.ts strips it for such a backup).
  cfn_stacks: { key: ['stack_id'], withoutSecrets: (row) => ({ ...row, data: JSON.stringify(withoutStackSecrets(dataOf(row))) }) },
  cfn_stack_events: { key: ['stack_id', 'seq'] },
  cfn_change_sets: { key: ['change_set_id'] },
  cfn_exports: { key: ['account_id', 'name'] },
  rbac_snapshots: { key: ['cluster_name'] },
  last_use: { key: ['cluster_name', 'kind', 'used_key'] },
};

/** A stack record without the secret attributes of its resources (an access key's secret). */
function withoutStackSecrets(stack: Record<string, unknown>): Record<string, unknown> {
  const resources = (stack.resources ?? {}) as Record<string, { attributes?: Record<string, unknown> }>;
  const out: Record<string, unknown> = {};
  for (const [id, r] of Object.entries(resources)) {
    const { SecretAccessKey: _secret, ...attributes } = r.attributes ?? {};
    out[id] = { ...r, attributes };
  }
  return { ...stack, resources: out };
}

/** Tables the driver keeps for itself, never copied. */
export const INTERNAL_TABLES = new Set(['schema_migrations', 'sqlite_sequence']);
