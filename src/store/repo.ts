/**
 * Repositories written once over SqlExecutor; both drivers run exactly this code.
 * Records live as JSON in `data` columns next to the key columns they are looked up by, so
 * schema evolution rarely needs DDL and both engines behave the same.
 */
import type {
  AccessEntryRecord,
  AccessKeyRecord,
  AccountRecord,
  AssociationRecord,
  AuditEvent,
  AwsAuthRecord,
  ClusterRecord,
  ConsoleSessionRecord,
  ConsoleSignInRecord,
  Ec2InstanceRecord,
  IamGroupRecord,
  IamPrincipalType,
  IamRoleRecord,
  IamUserRecord,
  InlinePolicyRecord,
  ManagedPolicyRecord,
  OidcProviderRecord,
  PolicyAttachmentRecord,
  SessionRecord,
  UpdateRecord,
} from '../model/types.js';
import type { ChangeSetRecord, StackEventRecord, StackRecord } from '../model/stacks.js';
import type { RbacSnapshotRecord } from '../rbac/objects.js';
import type { LastUseRecord } from '../model/last-use.js';
import type { SqlExecutor } from './sql.js';

/** What a committed transaction changed; the index reloads these slices. */
export type Change =
  | { kind: 'cluster'; name: string }
  | { kind: 'account'; accountId: string }
  | { kind: 'ec2' }
  | { kind: 'settings' };

export interface ClusterRow {
  record: ClusterRecord;
  revision: number;
}

export interface AuditQuery {
  clusterName?: string;
  since?: number;
  until?: number;
  /** The caller. */
  principalArn?: string;
  /** What the call acted on: an event whose resource is this ARN, or starts with it and a space (an association). */
  target?: string;
  service?: string;
  operation?: string;
  kind?: AuditEvent['kind'];
  /** Oldest first from afterId (default), or newest first from beforeId. */
  order?: 'oldest' | 'newest';
  afterId?: number;
  beforeId?: number;
  limit: number;
}

const j = (v: unknown) => JSON.stringify(v);
function p<T>(row: { data: unknown } | undefined): T | undefined {
  return row ? (JSON.parse(String(row.data)) as T) : undefined;
}
function ps<T>(rows: { data: unknown }[]): T[] {
  return rows.map((r) => JSON.parse(String(r.data)) as T);
}

export class Tx {
  /** Changes made in this transaction, published after commit. */
  readonly changes: Change[] = [];
  /** Work to run after a successful commit (e.g. publishing to other replicas is the driver's job). */
  constructor(readonly sql: SqlExecutor) {}

  changed(change: Change): void {
    if (!this.changes.some((c) => JSON.stringify(c) === JSON.stringify(change))) this.changes.push(change);
  }

  // ------------------------------------------------------------ settings
  async getSetting(key: string): Promise<string | undefined> {
    const r = await this.sql.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [key]);
    return r?.value;
  }
  async putSetting(key: string, value: string): Promise<void> {
    await this.sql.run(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, value],
    );
    this.changed({ kind: 'settings' });
  }
  /** Insert only if absent; returns the stored value (ours or a concurrent writer's). */
  async putSettingIfAbsent(key: string, value: string): Promise<string> {
    await this.sql.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [key, value]);
    return (await this.getSetting(key)) ?? value;
  }

  // ------------------------------------------------------------ accounts
  async getAccount(accountId: string): Promise<AccountRecord | undefined> {
    const r = await this.sql.get<{ account_id: string; created_at: number }>(
      'SELECT account_id, created_at FROM accounts WHERE account_id = ?',
      [accountId],
    );
    return r ? { accountId: r.account_id, createdAt: Number(r.created_at) } : undefined;
  }
  async insertAccount(a: AccountRecord): Promise<void> {
    await this.sql.run('INSERT INTO accounts (account_id, created_at, revision) VALUES (?, ?, 0)', [a.accountId, a.createdAt]);
    this.changed({ kind: 'account', accountId: a.accountId });
  }
  async listAccounts(): Promise<AccountRecord[]> {
    const rows = await this.sql.all<{ account_id: string; created_at: number }>(
      'SELECT account_id, created_at FROM accounts ORDER BY account_id',
    );
    return rows.map((r) => ({ accountId: r.account_id, createdAt: Number(r.created_at) }));
  }
  async accountRevisions(): Promise<Map<string, number>> {
    const rows = await this.sql.all<{ account_id: string; revision: number }>('SELECT account_id, revision FROM accounts');
    return new Map(rows.map((r) => [r.account_id, Number(r.revision)]));
  }
  /** Every IAM write bumps its account's revision so replicas can tell what to reload after a gap. */
  async touchAccount(accountId: string): Promise<void> {
    await this.sql.run('UPDATE accounts SET revision = revision + 1 WHERE account_id = ?', [accountId]);
    this.changed({ kind: 'account', accountId });
  }

  // ------------------------------------------------------------ IAM users
  async getUser(accountId: string, userName: string): Promise<IamUserRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM iam_users WHERE account_id = ? AND name_lower = ?', [accountId, userName.toLowerCase()]));
  }
  async getUserById(userId: string): Promise<IamUserRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM iam_users WHERE user_id = ?', [userId]));
  }
  async insertUser(u: IamUserRecord): Promise<void> {
    await this.sql.run('INSERT INTO iam_users (account_id, name_lower, user_id, data) VALUES (?, ?, ?, ?)', [
      u.accountId,
      u.userName.toLowerCase(),
      u.userId,
      j(u),
    ]);
    await this.touchAccount(u.accountId);
  }
  async updateUser(u: IamUserRecord): Promise<void> {
    await this.sql.run('UPDATE iam_users SET data = ? WHERE account_id = ? AND name_lower = ?', [j(u), u.accountId, u.userName.toLowerCase()]);
    await this.touchAccount(u.accountId);
  }
  async deleteUser(accountId: string, userName: string): Promise<void> {
    await this.sql.run('DELETE FROM iam_users WHERE account_id = ? AND name_lower = ?', [accountId, userName.toLowerCase()]);
    await this.touchAccount(accountId);
  }
  async listUsers(accountId: string, pathPrefix = '/'): Promise<IamUserRecord[]> {
    const rows = ps<IamUserRecord>(await this.sql.all('SELECT data FROM iam_users WHERE account_id = ? ORDER BY name_lower', [accountId]));
    return rows.filter((u) => u.path.startsWith(pathPrefix));
  }

  // ------------------------------------------------------------ IAM roles
  async getRole(accountId: string, roleName: string): Promise<IamRoleRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM iam_roles WHERE account_id = ? AND name_lower = ?', [accountId, roleName.toLowerCase()]));
  }
  async getRoleById(roleId: string): Promise<IamRoleRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM iam_roles WHERE role_id = ?', [roleId]));
  }
  async insertRole(r: IamRoleRecord): Promise<void> {
    await this.sql.run('INSERT INTO iam_roles (account_id, name_lower, role_id, data) VALUES (?, ?, ?, ?)', [
      r.accountId,
      r.roleName.toLowerCase(),
      r.roleId,
      j(r),
    ]);
    await this.touchAccount(r.accountId);
  }
  async updateRole(r: IamRoleRecord): Promise<void> {
    await this.sql.run('UPDATE iam_roles SET data = ? WHERE account_id = ? AND name_lower = ?', [j(r), r.accountId, r.roleName.toLowerCase()]);
    await this.touchAccount(r.accountId);
  }
  async deleteRole(accountId: string, roleName: string): Promise<void> {
    await this.sql.run('DELETE FROM iam_roles WHERE account_id = ? AND name_lower = ?', [accountId, roleName.toLowerCase()]);
    await this.touchAccount(accountId);
  }
  async listRoles(accountId: string, pathPrefix = '/'): Promise<IamRoleRecord[]> {
    const rows = ps<IamRoleRecord>(await this.sql.all('SELECT data FROM iam_roles WHERE account_id = ? ORDER BY name_lower', [accountId]));
    return rows.filter((r) => r.path.startsWith(pathPrefix));
  }

  // ------------------------------------------------------------ IAM groups
  async getGroup(accountId: string, groupName: string): Promise<IamGroupRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM iam_groups WHERE account_id = ? AND name_lower = ?', [accountId, groupName.toLowerCase()]));
  }
  async getGroupById(groupId: string): Promise<IamGroupRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM iam_groups WHERE group_id = ?', [groupId]));
  }
  async insertGroup(g: IamGroupRecord): Promise<void> {
    await this.sql.run('INSERT INTO iam_groups (account_id, name_lower, group_id, data) VALUES (?, ?, ?, ?)', [
      g.accountId,
      g.groupName.toLowerCase(),
      g.groupId,
      j(g),
    ]);
    await this.touchAccount(g.accountId);
  }
  /**
   * Replaces a group's record; a new name moves its memberships, attachments and inline policies
   * with it (IAM's UpdateGroup keeps them).
   */
  async updateGroup(oldName: string, g: IamGroupRecord): Promise<void> {
    const from = oldName.toLowerCase();
    const to = g.groupName.toLowerCase();
    await this.sql.run('UPDATE iam_groups SET name_lower = ?, data = ? WHERE account_id = ? AND name_lower = ?', [to, j(g), g.accountId, from]);
    if (from !== to) {
      await this.sql.run('UPDATE iam_group_members SET group_lower = ? WHERE account_id = ? AND group_lower = ?', [to, g.accountId, from]);
      for (const table of ['iam_policy_attachments', 'iam_inline_policies']) {
        await this.sql.run(`UPDATE ${table} SET principal_lower = ? WHERE account_id = ? AND principal_type = 'group' AND principal_lower = ?`, [
          to,
          g.accountId,
          from,
        ]);
      }
    }
    await this.touchAccount(g.accountId);
  }
  async deleteGroup(accountId: string, groupName: string): Promise<void> {
    await this.sql.run('DELETE FROM iam_groups WHERE account_id = ? AND name_lower = ?', [accountId, groupName.toLowerCase()]);
    await this.touchAccount(accountId);
  }
  async listGroups(accountId: string, pathPrefix = '/'): Promise<IamGroupRecord[]> {
    const rows = ps<IamGroupRecord>(await this.sql.all('SELECT data FROM iam_groups WHERE account_id = ? ORDER BY name_lower', [accountId]));
    return rows.filter((g) => g.path.startsWith(pathPrefix));
  }
  /** Adds a member; false when the user already was one. */
  async addGroupMember(accountId: string, groupName: string, userName: string): Promise<boolean> {
    const n = await this.sql.run('INSERT INTO iam_group_members (account_id, group_lower, user_lower) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [
      accountId,
      groupName.toLowerCase(),
      userName.toLowerCase(),
    ]);
    await this.touchAccount(accountId);
    return n > 0;
  }
  /** Removes a member; false when the user was not one. */
  async removeGroupMember(accountId: string, groupName: string, userName: string): Promise<boolean> {
    const n = await this.sql.run('DELETE FROM iam_group_members WHERE account_id = ? AND group_lower = ? AND user_lower = ?', [
      accountId,
      groupName.toLowerCase(),
      userName.toLowerCase(),
    ]);
    await this.touchAccount(accountId);
    return n > 0;
  }
  /** The groups a user belongs to, by name. */
  async listGroupsForUser(accountId: string, userName: string): Promise<IamGroupRecord[]> {
    return ps<IamGroupRecord>(
      await this.sql.all(
        'SELECT g.data FROM iam_group_members m JOIN iam_groups g ON g.account_id = m.account_id AND g.name_lower = m.group_lower WHERE m.account_id = ? AND m.user_lower = ? ORDER BY g.name_lower',
        [accountId, userName.toLowerCase()],
      ),
    );
  }
  /** A group's member users, by name. */
  async listGroupMembers(accountId: string, groupName: string): Promise<IamUserRecord[]> {
    return ps<IamUserRecord>(
      await this.sql.all(
        'SELECT u.data FROM iam_group_members m JOIN iam_users u ON u.account_id = m.account_id AND u.name_lower = m.user_lower WHERE m.account_id = ? AND m.group_lower = ? ORDER BY u.name_lower',
        [accountId, groupName.toLowerCase()],
      ),
    );
  }

  // ------------------------------------------------------------ access keys
  async getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM iam_access_keys WHERE access_key_id = ?', [accessKeyId]));
  }
  async insertAccessKey(k: AccessKeyRecord): Promise<void> {
    await this.sql.run('INSERT INTO iam_access_keys (access_key_id, account_id, user_lower, data) VALUES (?, ?, ?, ?)', [
      k.accessKeyId,
      k.accountId,
      k.userName.toLowerCase(),
      j(k),
    ]);
    await this.touchAccount(k.accountId);
  }
  async updateAccessKey(k: AccessKeyRecord): Promise<void> {
    await this.sql.run('UPDATE iam_access_keys SET data = ? WHERE access_key_id = ?', [j(k), k.accessKeyId]);
    await this.touchAccount(k.accountId);
  }
  async deleteAccessKey(k: AccessKeyRecord): Promise<void> {
    await this.sql.run('DELETE FROM iam_access_keys WHERE access_key_id = ?', [k.accessKeyId]);
    await this.touchAccount(k.accountId);
  }
  async listAccessKeys(accountId: string, userName?: string): Promise<AccessKeyRecord[]> {
    if (userName === undefined) {
      return ps(await this.sql.all('SELECT data FROM iam_access_keys WHERE account_id = ? ORDER BY access_key_id', [accountId]));
    }
    return ps(
      await this.sql.all('SELECT data FROM iam_access_keys WHERE account_id = ? AND user_lower = ? ORDER BY access_key_id', [
        accountId,
        userName.toLowerCase(),
      ]),
    );
  }

  // ------------------------------------------------------------ sessions (temporary credentials)
  async getSession(accessKeyId: string): Promise<SessionRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM iam_sessions WHERE access_key_id = ?', [accessKeyId]));
  }
  async insertSession(s: SessionRecord): Promise<void> {
    await this.sql.run('INSERT INTO iam_sessions (access_key_id, account_id, expires_at, data) VALUES (?, ?, ?, ?)', [
      s.accessKeyId,
      s.accountId,
      s.expiresAt,
      j(s),
    ]);
    await this.touchAccount(s.accountId);
  }
  async listSessions(accountId: string, now: number): Promise<SessionRecord[]> {
    return ps(await this.sql.all('SELECT data FROM iam_sessions WHERE account_id = ? AND expires_at > ?', [accountId, now]));
  }
  /** Returns how many expired sessions were removed. */
  async deleteExpiredSessions(now: number): Promise<number> {
    return this.sql.run('DELETE FROM iam_sessions WHERE expires_at <= ?', [now]);
  }

  // ------------------------------------------------------------ policies
  async getManagedPolicy(arn: string): Promise<ManagedPolicyRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM iam_managed_policies WHERE arn = ?', [arn]));
  }
  async putManagedPolicy(m: ManagedPolicyRecord): Promise<void> {
    await this.sql.run(
      'INSERT INTO iam_managed_policies (arn, account_id, data) VALUES (?, ?, ?) ON CONFLICT (arn) DO UPDATE SET data = excluded.data',
      [m.arn, m.accountId, j(m)],
    );
    await this.touchAccount(m.accountId);
  }
  async deleteManagedPolicy(m: ManagedPolicyRecord): Promise<void> {
    await this.sql.run('DELETE FROM iam_managed_policies WHERE arn = ?', [m.arn]);
    await this.touchAccount(m.accountId);
  }
  async listManagedPolicies(accountId: string): Promise<ManagedPolicyRecord[]> {
    return ps(await this.sql.all('SELECT data FROM iam_managed_policies WHERE account_id = ? ORDER BY arn', [accountId]));
  }
  async attachPolicy(a: PolicyAttachmentRecord): Promise<void> {
    await this.sql.run(
      'INSERT INTO iam_policy_attachments (account_id, principal_type, principal_lower, policy_arn) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [a.accountId, a.principalType, a.principalName.toLowerCase(), a.policyArn],
    );
    await this.touchAccount(a.accountId);
  }
  async detachPolicy(a: PolicyAttachmentRecord): Promise<number> {
    const n = await this.sql.run(
      'DELETE FROM iam_policy_attachments WHERE account_id = ? AND principal_type = ? AND principal_lower = ? AND policy_arn = ?',
      [a.accountId, a.principalType, a.principalName.toLowerCase(), a.policyArn],
    );
    await this.touchAccount(a.accountId);
    return n;
  }
  async listAttachedPolicies(accountId: string, type: IamPrincipalType, name: string): Promise<string[]> {
    const rows = await this.sql.all<{ policy_arn: string }>(
      'SELECT policy_arn FROM iam_policy_attachments WHERE account_id = ? AND principal_type = ? AND principal_lower = ? ORDER BY policy_arn',
      [accountId, type, name.toLowerCase()],
    );
    return rows.map((r) => r.policy_arn);
  }
  async countPolicyAttachments(policyArn: string): Promise<number> {
    const r = await this.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM iam_policy_attachments WHERE policy_arn = ?', [policyArn]);
    return Number(r?.n ?? 0);
  }
  /** Attachments of a policy within one account (AWS managed policies are attached in many). */
  async countPolicyAttachmentsInAccount(accountId: string, policyArn: string): Promise<number> {
    const r = await this.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM iam_policy_attachments WHERE account_id = ? AND policy_arn = ?', [
      accountId,
      policyArn,
    ]);
    return Number(r?.n ?? 0);
  }
  async putInlinePolicy(i: InlinePolicyRecord): Promise<void> {
    await this.sql.run(
      'INSERT INTO iam_inline_policies (account_id, principal_type, principal_lower, policy_name, document) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, principal_type, principal_lower, policy_name) DO UPDATE SET document = excluded.document',
      [i.accountId, i.principalType, i.principalName.toLowerCase(), i.policyName, i.document],
    );
    await this.touchAccount(i.accountId);
  }
  async deleteInlinePolicy(accountId: string, type: IamPrincipalType, name: string, policyName: string): Promise<number> {
    const n = await this.sql.run(
      'DELETE FROM iam_inline_policies WHERE account_id = ? AND principal_type = ? AND principal_lower = ? AND policy_name = ?',
      [accountId, type, name.toLowerCase(), policyName],
    );
    await this.touchAccount(accountId);
    return n;
  }
  async listInlinePolicies(accountId: string, type: IamPrincipalType, name: string): Promise<InlinePolicyRecord[]> {
    const rows = await this.sql.all<{ policy_name: string; document: string }>(
      'SELECT policy_name, document FROM iam_inline_policies WHERE account_id = ? AND principal_type = ? AND principal_lower = ? ORDER BY policy_name',
      [accountId, type, name.toLowerCase()],
    );
    return rows.map((r) => ({ accountId, principalType: type, principalName: name, policyName: r.policy_name, document: r.document }));
  }
  /** Drops a principal's attachments and inline policies (used when a user or role is deleted). */
  async deletePrincipalPolicies(accountId: string, type: IamPrincipalType, name: string): Promise<void> {
    await this.sql.run('DELETE FROM iam_policy_attachments WHERE account_id = ? AND principal_type = ? AND principal_lower = ?', [
      accountId,
      type,
      name.toLowerCase(),
    ]);
    await this.sql.run('DELETE FROM iam_inline_policies WHERE account_id = ? AND principal_type = ? AND principal_lower = ?', [
      accountId,
      type,
      name.toLowerCase(),
    ]);
    await this.touchAccount(accountId);
  }

  // ------------------------------------------------------------ clusters
  async getCluster(name: string, opts: { forUpdate?: boolean } = {}): Promise<ClusterRecord | undefined> {
    const lock = opts.forUpdate && this.sql.dialect === 'postgres' ? ' FOR UPDATE' : '';
    return p(await this.sql.get(`SELECT data FROM clusters WHERE name = ?${lock}`, [name]));
  }
  async insertCluster(c: ClusterRecord): Promise<void> {
    await this.sql.run('INSERT INTO clusters (name, account_id, revision, data) VALUES (?, ?, 1, ?)', [c.name, c.accountId, j(c)]);
    this.changed({ kind: 'cluster', name: c.name });
  }
  async updateCluster(c: ClusterRecord): Promise<void> {
    await this.sql.run('UPDATE clusters SET data = ?, revision = revision + 1 WHERE name = ?', [j(c), c.name]);
    this.changed({ kind: 'cluster', name: c.name });
  }
  /** Any change inside a cluster's slice bumps its revision (replicas compare revisions to resync). */
  async touchCluster(name: string): Promise<void> {
    await this.sql.run('UPDATE clusters SET revision = revision + 1 WHERE name = ?', [name]);
    this.changed({ kind: 'cluster', name });
  }
  async deleteCluster(name: string): Promise<void> {
    for (const table of ['access_policy_associations', 'access_entries', 'cluster_updates', 'aws_auth', 'identity_provider_configs', 'rbac_snapshots', 'last_use']) {
      await this.sql.run(`DELETE FROM ${table} WHERE cluster_name = ?`, [name]);
    }
    await this.sql.run('DELETE FROM clusters WHERE name = ?', [name]);
    this.changed({ kind: 'cluster', name });
  }
  async listClusterNames(accountId: string, after: string | undefined, limit: number): Promise<string[]> {
    const rows = await this.sql.all<{ name: string }>(
      'SELECT name FROM clusters WHERE account_id = ? AND name > ? ORDER BY name LIMIT ?',
      [accountId, after ?? '', limit],
    );
    return rows.map((r) => r.name);
  }
  async countClusters(accountId: string): Promise<number> {
    const r = await this.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM clusters WHERE account_id = ?', [accountId]);
    return Number(r?.n ?? 0);
  }
  async listAllClusters(): Promise<ClusterRow[]> {
    const rows = await this.sql.all<{ data: string; revision: number }>('SELECT data, revision FROM clusters ORDER BY name');
    return rows.map((r) => ({ record: JSON.parse(r.data) as ClusterRecord, revision: Number(r.revision) }));
  }
  async clusterRevisions(): Promise<Map<string, number>> {
    const rows = await this.sql.all<{ name: string; revision: number }>('SELECT name, revision FROM clusters');
    return new Map(rows.map((r) => [r.name, Number(r.revision)]));
  }
  async getClusterRow(name: string): Promise<ClusterRow | undefined> {
    const r = await this.sql.get<{ data: string; revision: number }>('SELECT data, revision FROM clusters WHERE name = ?', [name]);
    return r ? { record: JSON.parse(r.data) as ClusterRecord, revision: Number(r.revision) } : undefined;
  }

  // ------------------------------------------------------------ cluster updates
  async insertUpdate(u: UpdateRecord): Promise<void> {
    await this.sql.run('INSERT INTO cluster_updates (cluster_name, id, created_at, data) VALUES (?, ?, ?, ?)', [
      u.clusterName,
      u.id,
      u.createdAt,
      j(u),
    ]);
    await this.touchCluster(u.clusterName);
  }
  async saveUpdate(u: UpdateRecord): Promise<void> {
    await this.sql.run('UPDATE cluster_updates SET data = ? WHERE cluster_name = ? AND id = ?', [j(u), u.clusterName, u.id]);
    await this.touchCluster(u.clusterName);
  }
  async getUpdate(clusterName: string, id: string): Promise<UpdateRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM cluster_updates WHERE cluster_name = ? AND id = ?', [clusterName, id]));
  }
  async listUpdates(clusterName: string): Promise<UpdateRecord[]> {
    return ps(await this.sql.all('SELECT data FROM cluster_updates WHERE cluster_name = ? ORDER BY created_at, id', [clusterName]));
  }

  // ------------------------------------------------------------ access entries
  /** The clusters with an access entry for exactly this principal ARN. */
  async listEntryClustersOf(principalArn: string): Promise<string[]> {
    const rows = await this.sql.all<{ cluster_name: string }>('SELECT cluster_name FROM access_entries WHERE principal_arn = ? ORDER BY cluster_name', [principalArn]);
    return rows.map((r) => r.cluster_name);
  }
  async getEntry(clusterName: string, principalArn: string): Promise<AccessEntryRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM access_entries WHERE cluster_name = ? AND principal_arn = ?', [clusterName, principalArn]));
  }
  async insertEntry(e: AccessEntryRecord): Promise<void> {
    await this.sql.run('INSERT INTO access_entries (cluster_name, principal_arn, data) VALUES (?, ?, ?)', [e.clusterName, e.principalArn, j(e)]);
    await this.touchCluster(e.clusterName);
  }
  async updateEntry(e: AccessEntryRecord): Promise<void> {
    await this.sql.run('UPDATE access_entries SET data = ? WHERE cluster_name = ? AND principal_arn = ?', [j(e), e.clusterName, e.principalArn]);
    await this.touchCluster(e.clusterName);
  }
  /** Deletes the entry and its policy associations. */
  async deleteEntry(clusterName: string, principalArn: string): Promise<void> {
    await this.sql.run('DELETE FROM access_policy_associations WHERE cluster_name = ? AND principal_arn = ?', [clusterName, principalArn]);
    await this.sql.run('DELETE FROM access_entries WHERE cluster_name = ? AND principal_arn = ?', [clusterName, principalArn]);
    // A new entry for the same principal starts unused.
    await this.sql.run("DELETE FROM last_use WHERE cluster_name = ? AND kind = 'entry' AND used_key = ?", [clusterName, principalArn]);
    await this.touchCluster(clusterName);
  }
  async countEntries(clusterName: string): Promise<number> {
    const r = await this.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM access_entries WHERE cluster_name = ?', [clusterName]);
    return Number(r?.n ?? 0);
  }
  /** Keyset page of principal ARNs in bytewise order, optionally only those with a given policy. */
  async listEntryArns(clusterName: string, opts: { after?: string; limit: number; associatedPolicyArn?: string }): Promise<string[]> {
    const rows = opts.associatedPolicyArn
      ? await this.sql.all<{ principal_arn: string }>(
          'SELECT principal_arn FROM access_policy_associations WHERE cluster_name = ? AND policy_arn = ? AND principal_arn > ? ORDER BY principal_arn LIMIT ?',
          [clusterName, opts.associatedPolicyArn, opts.after ?? '', opts.limit],
        )
      : await this.sql.all<{ principal_arn: string }>(
          'SELECT principal_arn FROM access_entries WHERE cluster_name = ? AND principal_arn > ? ORDER BY principal_arn LIMIT ?',
          [clusterName, opts.after ?? '', opts.limit],
        );
    return rows.map((r) => r.principal_arn);
  }
  async listEntries(clusterName: string): Promise<AccessEntryRecord[]> {
    return ps(await this.sql.all('SELECT data FROM access_entries WHERE cluster_name = ? ORDER BY principal_arn', [clusterName]));
  }

  // ------------------------------------------------------------ associations
  async getAssociation(clusterName: string, principalArn: string, policyArn: string): Promise<AssociationRecord | undefined> {
    return p(
      await this.sql.get('SELECT data FROM access_policy_associations WHERE cluster_name = ? AND principal_arn = ? AND policy_arn = ?', [
        clusterName,
        principalArn,
        policyArn,
      ]),
    );
  }
  async putAssociation(a: AssociationRecord): Promise<void> {
    await this.sql.run(
      'INSERT INTO access_policy_associations (cluster_name, principal_arn, policy_arn, data) VALUES (?, ?, ?, ?) ON CONFLICT (cluster_name, principal_arn, policy_arn) DO UPDATE SET data = excluded.data',
      [a.clusterName, a.principalArn, a.policyArn, j(a)],
    );
    await this.touchCluster(a.clusterName);
  }
  async deleteAssociation(clusterName: string, principalArn: string, policyArn: string): Promise<number> {
    const n = await this.sql.run('DELETE FROM access_policy_associations WHERE cluster_name = ? AND principal_arn = ? AND policy_arn = ?', [
      clusterName,
      principalArn,
      policyArn,
    ]);
    await this.touchCluster(clusterName);
    return n;
  }
  async listAssociations(clusterName: string, principalArn: string, opts: { after?: string; limit: number }): Promise<AssociationRecord[]> {
    return ps(
      await this.sql.all(
        'SELECT data FROM access_policy_associations WHERE cluster_name = ? AND principal_arn = ? AND policy_arn > ? ORDER BY policy_arn LIMIT ?',
        [clusterName, principalArn, opts.after ?? '', opts.limit],
      ),
    );
  }
  async listClusterAssociations(clusterName: string): Promise<AssociationRecord[]> {
    return ps(
      await this.sql.all('SELECT data FROM access_policy_associations WHERE cluster_name = ? ORDER BY principal_arn, policy_arn', [clusterName]),
    );
  }

  // ------------------------------------------------------------ aws-auth
  async getAwsAuth(clusterName: string): Promise<AwsAuthRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM aws_auth WHERE cluster_name = ?', [clusterName]));
  }
  async putAwsAuth(a: AwsAuthRecord): Promise<void> {
    await this.sql.run(
      'INSERT INTO aws_auth (cluster_name, data) VALUES (?, ?) ON CONFLICT (cluster_name) DO UPDATE SET data = excluded.data',
      [a.clusterName, j(a)],
    );
    await this.touchCluster(a.clusterName);
  }
  async deleteAwsAuth(clusterName: string): Promise<void> {
    await this.sql.run('DELETE FROM aws_auth WHERE cluster_name = ?', [clusterName]);
    await this.touchCluster(clusterName);
  }

  // ------------------------------------------------------------ RBAC snapshots
  async getRbacSnapshot(clusterName: string): Promise<RbacSnapshotRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM rbac_snapshots WHERE cluster_name = ?', [clusterName]));
  }
  /** The current snapshot's ID only (cheap: the index reuses what it compiled when it is unchanged). */
  async getRbacSnapshotId(clusterName: string): Promise<string | undefined> {
    const r = await this.sql.get<{ snapshot_id: string }>('SELECT snapshot_id FROM rbac_snapshots WHERE cluster_name = ?', [clusterName]);
    return r?.snapshot_id;
  }
  /** Replaces the cluster's snapshot whole (one row: readers see the old or the new one, never a mix). */
  async putRbacSnapshot(r: RbacSnapshotRecord): Promise<void> {
    await this.sql.run(
      'INSERT INTO rbac_snapshots (cluster_name, snapshot_id, data) VALUES (?, ?, ?) ON CONFLICT (cluster_name) DO UPDATE SET snapshot_id = excluded.snapshot_id, data = excluded.data',
      [r.clusterName, r.snapshotId, j(r)],
    );
    await this.touchCluster(r.clusterName);
  }
  async deleteRbacSnapshot(clusterName: string): Promise<boolean> {
    const n = await this.sql.run('DELETE FROM rbac_snapshots WHERE cluster_name = ?', [clusterName]);
    if (n > 0) await this.touchCluster(clusterName);
    return n > 0;
  }

  // ------------------------------------------------------------ last use
  /** Records uses; a row only moves forward in time (replicas flushing out of order cannot rewind it). */
  async recordLastUse(rows: readonly LastUseRecord[]): Promise<void> {
    for (const r of rows) {
      await this.sql.run(
        `INSERT INTO last_use (cluster_name, kind, used_key, last_used_at, source_ip) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (cluster_name, kind, used_key) DO UPDATE SET
           source_ip = CASE WHEN excluded.last_used_at > last_use.last_used_at THEN excluded.source_ip ELSE last_use.source_ip END,
           last_used_at = CASE WHEN excluded.last_used_at > last_use.last_used_at THEN excluded.last_used_at ELSE last_use.last_used_at END`,
        [r.clusterName, r.kind, r.key, r.lastUsedAt, r.sourceIp],
      );
    }
  }
  async listLastUse(clusterName: string): Promise<LastUseRecord[]> {
    const rows = await this.sql.all<{ kind: string; used_key: string; last_used_at: number | string; source_ip: string }>(
      'SELECT kind, used_key, last_used_at, source_ip FROM last_use WHERE cluster_name = ? ORDER BY kind, used_key',
      [clusterName],
    );
    return rows.map((r) => ({ clusterName, kind: r.kind as LastUseRecord['kind'], key: r.used_key, lastUsedAt: Number(r.last_used_at), sourceIp: r.source_ip }));
  }

  // ------------------------------------------------------------ console sign-in codes and sessions
  async insertConsoleSignIn(codeHash: string, r: ConsoleSignInRecord): Promise<void> {
    await this.sql.run('INSERT INTO console_sign_ins (code_hash, expires_at, data) VALUES (?, ?, ?)', [codeHash, r.expiresAt, j(r)]);
  }
  /** Deletes the code and returns it if this call deleted it: of two concurrent takers, one wins. */
  async takeConsoleSignIn(codeHash: string): Promise<ConsoleSignInRecord | undefined> {
    const r = p<ConsoleSignInRecord>(await this.sql.get('SELECT data FROM console_sign_ins WHERE code_hash = ?', [codeHash]));
    if (!r) return undefined;
    return (await this.sql.run('DELETE FROM console_sign_ins WHERE code_hash = ?', [codeHash])) === 1 ? r : undefined;
  }
  async insertConsoleSession(idHash: string, r: ConsoleSessionRecord): Promise<void> {
    await this.sql.run('INSERT INTO console_sessions (id_hash, expires_at, data) VALUES (?, ?, ?)', [idHash, r.expiresAt, j(r)]);
  }
  async getConsoleSession(idHash: string): Promise<ConsoleSessionRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM console_sessions WHERE id_hash = ?', [idHash]));
  }
  async deleteConsoleSession(idHash: string): Promise<number> {
    return this.sql.run('DELETE FROM console_sessions WHERE id_hash = ?', [idHash]);
  }
  async deleteExpiredConsoleSessions(now: number): Promise<number> {
    const codes = await this.sql.run('DELETE FROM console_sign_ins WHERE expires_at <= ?', [now]);
    return codes + (await this.sql.run('DELETE FROM console_sessions WHERE expires_at <= ?', [now]));
  }

  // ------------------------------------------------------------ CloudFormation stacks
  async getStack(stackId: string, opts: { forUpdate?: boolean } = {}): Promise<StackRecord | undefined> {
    const lock = opts.forUpdate && this.sql.dialect === 'postgres' ? ' FOR UPDATE' : '';
    return p(await this.sql.get(`SELECT data FROM cfn_stacks WHERE stack_id = ?${lock}`, [stackId]));
  }
  /** The live (not deleted) stack of that name. */
  async getLiveStackByName(accountId: string, name: string): Promise<StackRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM cfn_stacks WHERE account_id = ? AND stack_name = ? AND live = 1', [accountId, name]));
  }
  async insertStack(s: StackRecord): Promise<void> {
    await this.sql.run('INSERT INTO cfn_stacks (stack_id, account_id, stack_name, live, status, updated_at, data) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      s.stackId,
      s.accountId,
      s.stackName,
      s.status === 'DELETE_COMPLETE' ? 0 : 1,
      s.status,
      s.updatedAt ?? s.createdAt,
      j(s),
    ]);
  }
  async updateStack(s: StackRecord): Promise<void> {
    await this.sql.run('UPDATE cfn_stacks SET live = ?, status = ?, updated_at = ?, data = ? WHERE stack_id = ?', [
      s.status === 'DELETE_COMPLETE' ? 0 : 1,
      s.status,
      s.updatedAt ?? s.createdAt,
      j(s),
      s.stackId,
    ]);
  }
  /** Stacks of an account, newest first; deleted ones only when asked (ListStacks shows them). */
  async listStacks(accountId: string, o: { includeDeleted: boolean; limit: number; before?: string }): Promise<StackRecord[]> {
    const where = ['account_id = ?'];
    const args: unknown[] = [accountId];
    if (!o.includeDeleted) where.push('live = 1');
    if (o.before !== undefined) {
      where.push('stack_id < ?');
      args.push(o.before);
    }
    return ps(await this.sql.all(`SELECT data FROM cfn_stacks WHERE ${where.join(' AND ')} ORDER BY stack_id DESC LIMIT ?`, [...args, o.limit]));
  }
  /** Stacks with an operation in flight (the executor's work), across accounts. */
  async listStacksInProgress(): Promise<Array<{ stackId: string; leaseOwner: string | null; leaseUntil: number }>> {
    const rows = await this.sql.all<{ stack_id: string; lease_owner: string | null; lease_until: number }>(
      "SELECT stack_id, lease_owner, lease_until FROM cfn_stacks WHERE live = 1 AND status LIKE '%IN_PROGRESS' AND status <> 'REVIEW_IN_PROGRESS' ORDER BY updated_at",
    );
    return rows.map((r) => ({ stackId: r.stack_id, leaseOwner: r.lease_owner, leaseUntil: Number(r.lease_until) }));
  }
  /** Takes (or renews) the right to run a stack's operation; false when another owner holds it. */
  async leaseStack(stackId: string, owner: string, now: number, until: number): Promise<boolean> {
    const n = await this.sql.run('UPDATE cfn_stacks SET lease_owner = ?, lease_until = ? WHERE stack_id = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)', [owner, until, stackId, owner, now]);
    return n === 1;
  }
  async releaseStack(stackId: string, owner: string): Promise<void> {
    await this.sql.run('UPDATE cfn_stacks SET lease_owner = NULL, lease_until = 0 WHERE stack_id = ? AND lease_owner = ?', [stackId, owner]);
  }
  async insertStackEvent(e: StackEventRecord, seq: number): Promise<void> {
    await this.sql.run('INSERT INTO cfn_stack_events (stack_id, seq, data) VALUES (?, ?, ?)', [e.StackId, seq, j(e)]);
  }
  /** Newest first. */
  async listStackEvents(stackId: string, o: { limit: number; beforeSeq?: number }): Promise<Array<StackEventRecord & { seq: number }>> {
    const rows = await this.sql.all<{ seq: number; data: string }>(
      `SELECT seq, data FROM cfn_stack_events WHERE stack_id = ?${o.beforeSeq !== undefined ? ' AND seq < ?' : ''} ORDER BY seq DESC LIMIT ?`,
      o.beforeSeq !== undefined ? [stackId, o.beforeSeq, o.limit] : [stackId, o.limit],
    );
    return rows.map((r) => ({ ...(JSON.parse(r.data) as StackEventRecord), seq: Number(r.seq) }));
  }
  async putChangeSet(c: ChangeSetRecord): Promise<void> {
    await this.sql.run(
      'INSERT INTO cfn_change_sets (change_set_id, stack_id, name, data) VALUES (?, ?, ?, ?) ON CONFLICT (change_set_id) DO UPDATE SET data = excluded.data',
      [c.changeSetId, c.stackId, c.changeSetName, j(c)],
    );
  }
  async getChangeSet(changeSetId: string): Promise<ChangeSetRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM cfn_change_sets WHERE change_set_id = ?', [changeSetId]));
  }
  async getChangeSetByName(stackId: string, name: string): Promise<ChangeSetRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM cfn_change_sets WHERE stack_id = ? AND name = ?', [stackId, name]));
  }
  async listChangeSets(stackId: string): Promise<ChangeSetRecord[]> {
    return ps(await this.sql.all('SELECT data FROM cfn_change_sets WHERE stack_id = ? ORDER BY change_set_id', [stackId]));
  }
  async deleteChangeSet(changeSetId: string): Promise<void> {
    await this.sql.run('DELETE FROM cfn_change_sets WHERE change_set_id = ?', [changeSetId]);
  }
  async deleteChangeSetsOf(stackId: string): Promise<void> {
    await this.sql.run('DELETE FROM cfn_change_sets WHERE stack_id = ?', [stackId]);
  }
  async getExport(accountId: string, name: string): Promise<{ stackId: string; value: string } | undefined> {
    const r = await this.sql.get<{ stack_id: string; value: string }>('SELECT stack_id, value FROM cfn_exports WHERE account_id = ? AND name = ?', [accountId, name]);
    return r ? { stackId: r.stack_id, value: r.value } : undefined;
  }
  async listExports(accountId: string): Promise<Array<{ name: string; stackId: string; value: string }>> {
    const rows = await this.sql.all<{ name: string; stack_id: string; value: string }>('SELECT name, stack_id, value FROM cfn_exports WHERE account_id = ? ORDER BY name', [accountId]);
    return rows.map((r) => ({ name: r.name, stackId: r.stack_id, value: r.value }));
  }
  /** Replaces a stack's exports (a name another stack exports is a StoreConflictError). */
  async setExports(accountId: string, stackId: string, exports: Array<{ name: string; value: string }>): Promise<void> {
    await this.sql.run('DELETE FROM cfn_exports WHERE account_id = ? AND stack_id = ?', [accountId, stackId]);
    for (const e of exports) await this.sql.run('INSERT INTO cfn_exports (account_id, name, stack_id, value) VALUES (?, ?, ?, ?)', [accountId, e.name, stackId, e.value]);
  }

  // ------------------------------------------------------------ OIDC identity provider configs
  async getIdentityProvider(clusterName: string, name: string): Promise<OidcProviderRecord | undefined> {
    return p(await this.sql.get('SELECT data FROM identity_provider_configs WHERE cluster_name = ? AND name = ?', [clusterName, name]));
  }
  async putIdentityProvider(o: OidcProviderRecord): Promise<void> {
    await this.sql.run(
      'INSERT INTO identity_provider_configs (cluster_name, name, data) VALUES (?, ?, ?) ON CONFLICT (cluster_name, name) DO UPDATE SET data = excluded.data',
      [o.clusterName, o.name, j(o)],
    );
    await this.touchCluster(o.clusterName);
  }
  async deleteIdentityProvider(clusterName: string, name: string): Promise<void> {
    await this.sql.run('DELETE FROM identity_provider_configs WHERE cluster_name = ? AND name = ?', [clusterName, name]);
    await this.touchCluster(clusterName);
  }
  async listIdentityProviders(clusterName: string): Promise<OidcProviderRecord[]> {
    return ps(await this.sql.all('SELECT data FROM identity_provider_configs WHERE cluster_name = ? ORDER BY name', [clusterName]));
  }

  // ------------------------------------------------------------ EC2 instance table ({{EC2PrivateDNSName}} offline)
  async putEc2Instance(i: Ec2InstanceRecord): Promise<void> {
    await this.sql.run(
      'INSERT INTO ec2_instances (instance_id, data) VALUES (?, ?) ON CONFLICT (instance_id) DO UPDATE SET data = excluded.data',
      [i.instanceId, j(i)],
    );
    this.changed({ kind: 'ec2' });
  }
  async deleteEc2Instance(instanceId: string): Promise<number> {
    const n = await this.sql.run('DELETE FROM ec2_instances WHERE instance_id = ?', [instanceId]);
    this.changed({ kind: 'ec2' });
    return n;
  }
  async listEc2Instances(): Promise<Ec2InstanceRecord[]> {
    return ps(await this.sql.all('SELECT data FROM ec2_instances ORDER BY instance_id'));
  }

  // ------------------------------------------------------------ idempotency (clientRequestToken)
  async getIdempotent(scope: string, token: string): Promise<{ requestHash: string; response: string } | undefined> {
    const r = await this.sql.get<{ request_hash: string; response: string }>(
      'SELECT request_hash, response FROM idempotency WHERE scope = ? AND token = ?',
      [scope, token],
    );
    return r ? { requestHash: r.request_hash, response: r.response } : undefined;
  }
  async putIdempotent(scope: string, token: string, requestHash: string, response: string, now: number): Promise<void> {
    await this.sql.run('INSERT INTO idempotency (scope, token, request_hash, response, created_at) VALUES (?, ?, ?, ?, ?)', [
      scope,
      token,
      requestHash,
      response,
      now,
    ]);
  }
  async deleteIdempotentBefore(cutoff: number): Promise<number> {
    return this.sql.run('DELETE FROM idempotency WHERE created_at < ?', [cutoff]);
  }

  // ------------------------------------------------------------ audit
  async insertAudit(e: AuditEvent): Promise<void> {
    const { id: _id, ...rest } = e;
    await this.sql.run('INSERT INTO audit_events (at, kind, principal_arn, operation, cluster_name, result, service, resource, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      e.at,
      e.kind,
      e.principalArn,
      e.operation,
      e.clusterName,
      e.result,
      e.service,
      e.resource,
      j(rest),
    ]);
  }
  /** Retention: removes audit events older than the cutoff; returns how many. */
  async deleteAuditBefore(cutoff: number): Promise<number> {
    return this.sql.run('DELETE FROM audit_events WHERE at < ?', [cutoff]);
  }
  async queryAudit(q: AuditQuery): Promise<AuditEvent[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.clusterName !== undefined) {
      where.push('cluster_name = ?');
      args.push(q.clusterName);
    }
    if (q.since !== undefined) {
      where.push('at >= ?');
      args.push(q.since);
    }
    if (q.until !== undefined) {
      where.push('at < ?');
      args.push(q.until);
    }
    if (q.principalArn !== undefined) {
      where.push('principal_arn = ?');
      args.push(q.principalArn);
    }
    if (q.target !== undefined) {
      // Not LIKE: `_` is common in IAM names and would match any character.
      where.push('(resource = ? OR substr(resource, 1, ?) = ?)');
      args.push(q.target, q.target.length + 1, `${q.target} `);
    }
    if (q.service !== undefined) {
      where.push('service = ?');
      args.push(q.service);
    }
    if (q.operation !== undefined) {
      where.push('operation = ?');
      args.push(q.operation);
    }
    if (q.kind !== undefined) {
      where.push('kind = ?');
      args.push(q.kind);
    }
    if (q.afterId !== undefined) {
      where.push('id > ?');
      args.push(q.afterId);
    }
    if (q.beforeId !== undefined) {
      where.push('id < ?');
      args.push(q.beforeId);
    }
    const sql = `SELECT id, data FROM audit_events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id${q.order === 'newest' ? ' DESC' : ''} LIMIT ?`;
    const rows = await this.sql.all<{ id: number; data: string }>(sql, [...args, q.limit]);
    return rows.map((r) => ({ ...(JSON.parse(r.data) as AuditEvent), id: Number(r.id) }));
  }
}
