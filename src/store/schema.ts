/**
 * Versioned schema migrations. Each migration runs once, in order, inside a transaction, and is
 * recorded in schema_migrations. Text key columns compare bytewise in both engines (PostgreSQL
 * columns use COLLATE "C") so list ordering and nextToken keysets agree across stores.
 */
export interface Migration {
  version: number;
  description: string;
  statements: (dialect: 'sqlite' | 'postgres') => string[];
  /**
   * What the migration's data statements do, row by row, for rows restored from a backup of an
   * older schema (backup.ts applies these in order). Tables a migration only creates need none;
   * a migration that fills or reshapes columns must say how here (tables.test.ts compares the two
   * paths on real data).
   */
  upgrade?: Record<string, (row: Record<string, unknown>) => Record<string, unknown>>;
}

const key = (d: 'sqlite' | 'postgres') => (d === 'postgres' ? 'TEXT COLLATE "C"' : 'TEXT');

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'initial schema',
    statements: (d) => {
      const K = key(d);
      const serial = d === 'postgres' ? 'BIGSERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
      return [
        `CREATE TABLE settings (key ${K} PRIMARY KEY, value TEXT NOT NULL)`,
        `CREATE TABLE accounts (account_id ${K} PRIMARY KEY, created_at BIGINT NOT NULL, revision BIGINT NOT NULL DEFAULT 0)`,
        `CREATE TABLE iam_users (account_id ${K} NOT NULL, name_lower ${K} NOT NULL, user_id ${K} NOT NULL UNIQUE, data TEXT NOT NULL, PRIMARY KEY (account_id, name_lower))`,
        `CREATE TABLE iam_roles (account_id ${K} NOT NULL, name_lower ${K} NOT NULL, role_id ${K} NOT NULL UNIQUE, data TEXT NOT NULL, PRIMARY KEY (account_id, name_lower))`,
        `CREATE TABLE iam_access_keys (access_key_id ${K} PRIMARY KEY, account_id ${K} NOT NULL, user_lower ${K} NOT NULL, data TEXT NOT NULL)`,
        `CREATE INDEX iam_access_keys_user ON iam_access_keys (account_id, user_lower)`,
        `CREATE TABLE iam_sessions (access_key_id ${K} PRIMARY KEY, account_id ${K} NOT NULL, expires_at BIGINT NOT NULL, data TEXT NOT NULL)`,
        `CREATE INDEX iam_sessions_expiry ON iam_sessions (expires_at)`,
        `CREATE TABLE iam_managed_policies (arn ${K} PRIMARY KEY, account_id ${K} NOT NULL, data TEXT NOT NULL)`,
        `CREATE TABLE iam_policy_attachments (account_id ${K} NOT NULL, principal_type ${K} NOT NULL, principal_lower ${K} NOT NULL, policy_arn ${K} NOT NULL, PRIMARY KEY (account_id, principal_type, principal_lower, policy_arn))`,
        `CREATE TABLE iam_inline_policies (account_id ${K} NOT NULL, principal_type ${K} NOT NULL, principal_lower ${K} NOT NULL, policy_name ${K} NOT NULL, document TEXT NOT NULL, PRIMARY KEY (account_id, principal_type, principal_lower, policy_name))`,
        `CREATE TABLE clusters (name ${K} PRIMARY KEY, account_id ${K} NOT NULL, revision BIGINT NOT NULL DEFAULT 0, data TEXT NOT NULL)`,
        `CREATE TABLE cluster_updates (cluster_name ${K} NOT NULL, id ${K} NOT NULL, created_at BIGINT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (cluster_name, id))`,
        `CREATE TABLE access_entries (cluster_name ${K} NOT NULL, principal_arn ${K} NOT NULL, data TEXT NOT NULL, PRIMARY KEY (cluster_name, principal_arn))`,
        `CREATE TABLE access_policy_associations (cluster_name ${K} NOT NULL, principal_arn ${K} NOT NULL, policy_arn ${K} NOT NULL, data TEXT NOT NULL, PRIMARY KEY (cluster_name, principal_arn, policy_arn))`,
        `CREATE INDEX access_policy_associations_policy ON access_policy_associations (cluster_name, policy_arn, principal_arn)`,
        `CREATE TABLE aws_auth (cluster_name ${K} PRIMARY KEY, data TEXT NOT NULL)`,
        `CREATE TABLE identity_provider_configs (cluster_name ${K} NOT NULL, name ${K} NOT NULL, data TEXT NOT NULL, PRIMARY KEY (cluster_name, name))`,
        `CREATE TABLE ec2_instances (instance_id ${K} PRIMARY KEY, data TEXT NOT NULL)`,
        `CREATE TABLE idempotency (scope ${K} NOT NULL, token ${K} NOT NULL, request_hash TEXT NOT NULL, response TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (scope, token))`,
        `CREATE TABLE audit_events (id ${serial}, at BIGINT NOT NULL, kind ${K} NOT NULL, principal_arn ${K} NOT NULL, operation ${K} NOT NULL, cluster_name ${K}, result ${K} NOT NULL, data TEXT NOT NULL)`,
        `CREATE INDEX audit_events_at ON audit_events (at)`,
        `CREATE INDEX audit_events_cluster ON audit_events (cluster_name, at)`,
      ];
    },
  },
  {
    version: 2,
    description: 'audit events searchable by service and target; IAM groups',
    statements: (d) => {
      const K = key(d);
      const fromData = (field: string) => (d === 'postgres' ? `(data::json)->>'${field}'` : `json_extract(data, '$.${field}')`);
      return [
        `ALTER TABLE audit_events ADD COLUMN service ${K}`,
        `ALTER TABLE audit_events ADD COLUMN resource ${K}`,
        `UPDATE audit_events SET service = ${fromData('service')}, resource = ${fromData('resource')}`,
        `CREATE INDEX audit_events_resource ON audit_events (resource, id)`,
        `CREATE TABLE iam_groups (account_id ${K} NOT NULL, name_lower ${K} NOT NULL, group_id ${K} NOT NULL UNIQUE, data TEXT NOT NULL, PRIMARY KEY (account_id, name_lower))`,
        `CREATE TABLE iam_group_members (account_id ${K} NOT NULL, group_lower ${K} NOT NULL, user_lower ${K} NOT NULL, PRIMARY KEY (account_id, group_lower, user_lower))`,
        `CREATE INDEX iam_group_members_user ON iam_group_members (account_id, user_lower, group_lower)`,
      ];
    },
    upgrade: {
      audit_events: (row) => {
        const data = JSON.parse(String(row.data)) as { service?: unknown; resource?: unknown };
        const text = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? null : JSON.stringify(v));
        return { ...row, service: text(data.service), resource: text(data.resource) };
      },
    },
  },
  {
    version: 3,
    description: 'console sign-in codes and sessions (keyed by the SHA-256 of the secret, never the secret)',
    statements: (d) => {
      const K = key(d);
      return [
        `CREATE TABLE console_sign_ins (code_hash ${K} PRIMARY KEY, expires_at BIGINT NOT NULL, data TEXT NOT NULL)`,
        `CREATE TABLE console_sessions (id_hash ${K} PRIMARY KEY, expires_at BIGINT NOT NULL, data TEXT NOT NULL)`,
        `CREATE INDEX console_sessions_expiry ON console_sessions (expires_at)`,
      ];
    },
  },
  {
    version: 4,
    description: 'CloudFormation stacks, their events, change sets and exports',
    statements: (d) => {
      const K = key(d);
      return [
        // live = 1 until the stack is deleted: a name is unique among live stacks of an account.
        `CREATE TABLE cfn_stacks (stack_id ${K} PRIMARY KEY, account_id ${K} NOT NULL, stack_name ${K} NOT NULL, live INTEGER NOT NULL, status ${K} NOT NULL, updated_at BIGINT NOT NULL, lease_owner ${K}, lease_until BIGINT NOT NULL DEFAULT 0, data TEXT NOT NULL)`,
        `CREATE UNIQUE INDEX cfn_stacks_live_name ON cfn_stacks (account_id, stack_name) WHERE live = 1`,
        `CREATE INDEX cfn_stacks_status ON cfn_stacks (status)`,
        `CREATE TABLE cfn_stack_events (stack_id ${K} NOT NULL, seq BIGINT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (stack_id, seq))`,
        `CREATE TABLE cfn_change_sets (change_set_id ${K} PRIMARY KEY, stack_id ${K} NOT NULL, name ${K} NOT NULL, data TEXT NOT NULL)`,
        `CREATE UNIQUE INDEX cfn_change_sets_name ON cfn_change_sets (stack_id, name)`,
        `CREATE TABLE cfn_exports (account_id ${K} NOT NULL, name ${K} NOT NULL, stack_id ${K} NOT NULL, value TEXT NOT NULL, PRIMARY KEY (account_id, name))`,
      ];
    },
  },
  {
    version: 5,
    description: "clusters' RBAC snapshots, and when each access entry, aws-auth row and identity provider was last used",
    statements: (d) => {
      const K = key(d);
      return [
        // snapshot_id alone tells an index whether the snapshot it holds is current (no data read).
        `CREATE TABLE rbac_snapshots (cluster_name ${K} PRIMARY KEY, snapshot_id ${K} NOT NULL, data TEXT NOT NULL)`,
        // kind: entry (key: principal ARN), aws-auth (mapRoles:ARN, mapUsers:ARN, mapAccounts:ID),
        // creator (principal ARN), oidc (provider name).
        `CREATE TABLE last_use (cluster_name ${K} NOT NULL, kind ${K} NOT NULL, used_key ${K} NOT NULL, last_used_at BIGINT NOT NULL, source_ip TEXT NOT NULL, PRIMARY KEY (cluster_name, kind, used_key))`,
      ];
    },
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));
