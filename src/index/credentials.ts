/**
 * IAM credentials in memory, for offline verification of k8s-aws-v1 tokens without a database
 * round trip: access keys (with the user behind them) and AssumeRole sessions (with the role).
 * Reloaded per account on change. Also knows which principal IDs exist, to spot stale entries.
 */
import { sessionCaller, userCaller } from '../rules/credentials.js';
import type { Caller } from '../model/types.js';
import type { Change, Tx } from '../store/repo.js';
import type { Store } from '../store/store.js';

export interface CredentialInfo {
  accessKeyId: string;
  secretAccessKey: string;
  kind: 'user' | 'session';
  /** Inactive user keys are refused. */
  active: boolean;
  /** Sessions expire; user keys do not. */
  expiresAt?: number;
  sessionToken?: string;
  caller: Caller;
}

interface AccountSlice {
  revision: number;
  keys: Map<string, CredentialInfo>;
  principalIds: Set<string>;
  /** Lower-cased user/role ARN (with path) → unique ID. */
  principalsByArn: Map<string, string>;
}

async function loadAccount(tx: Tx, accountId: string, now: number): Promise<AccountSlice> {
  const revision = (await tx.accountRevisions()).get(accountId) ?? 0;
  const users = await tx.listUsers(accountId);
  const roles = await tx.listRoles(accountId);
  const keys = new Map<string, CredentialInfo>();
  const principalIds = new Set<string>();
  const principalsByArn = new Map<string, string>();
  const usersByName = new Map(users.map((u) => [u.userName.toLowerCase(), u]));
  const rolesByName = new Map(roles.map((r) => [r.roleName.toLowerCase(), r]));
  for (const [id, arn] of [...users.map((u) => [u.userId, u.arn]), ...roles.map((r) => [r.roleId, r.arn])] as [string, string][]) {
    principalIds.add(id);
    principalsByArn.set(arn.toLowerCase(), id);
  }
  for (const k of await tx.listAccessKeys(accountId)) {
    const u = usersByName.get(k.userName.toLowerCase());
    if (!u) continue;
    keys.set(k.accessKeyId, {
      accessKeyId: k.accessKeyId,
      secretAccessKey: k.secretAccessKey,
      kind: 'user',
      active: k.status === 'Active',
      caller: userCaller(u, k.accessKeyId),
    });
  }
  for (const s of await tx.listSessions(accountId, now)) {
    const r = rolesByName.get(s.roleName.toLowerCase());
    // A session outlives nothing: if its role was deleted (or re-created) it stops working.
    if (!r || r.roleId !== s.roleId) continue;
    keys.set(s.accessKeyId, {
      accessKeyId: s.accessKeyId,
      secretAccessKey: s.secretAccessKey,
      kind: 'session',
      active: true,
      expiresAt: s.expiresAt,
      sessionToken: s.sessionToken,
      caller: sessionCaller(s, r),
    });
  }
  return { revision, keys, principalIds, principalsByArn };
}

export class CredentialIndex {
  private readonly accounts = new Map<string, AccountSlice>();
  private readonly keyOwner = new Map<string, string>();
  private pending = new Set<string>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly onError: (e: unknown) => void = () => undefined,
    private readonly onReload: (kind: string) => void = () => undefined,
  ) {}

  /** The credential for an access key ID, if Entryway issued it (regardless of status/expiry). */
  get(accessKeyId: string): CredentialInfo | undefined {
    const account = this.keyOwner.get(accessKeyId);
    return account ? this.accounts.get(account)?.keys.get(accessKeyId) : undefined;
  }

  holdsAccount(accountId: string): boolean {
    return this.accounts.has(accountId);
  }

  /** True when the principal ID exists in an account Entryway holds. */
  principalExists(principalId: string): boolean {
    for (const a of this.accounts.values()) if (a.principalIds.has(principalId)) return true;
    return false;
  }

  /** Current unique ID of a user/role ARN (with path) in a held account, if it exists. */
  principalIdOf(arn: string): string | undefined {
    const account = arn.split(':')[4] ?? '';
    return this.accounts.get(account)?.principalsByArn.get(arn.toLowerCase());
  }

  async loadAll(): Promise<void> {
    const ids = await this.store.read(async (tx) => (await tx.listAccounts()).map((a) => a.accountId));
    for (const id of ids) await this.reload(id);
  }

  async reload(accountId: string): Promise<void> {
    const slice = await this.store.read(async (tx) => ((await tx.getAccount(accountId)) ? loadAccount(tx, accountId, this.now()) : undefined));
    const old = this.accounts.get(accountId);
    if (old) for (const k of old.keys.keys()) this.keyOwner.delete(k);
    if (slice) {
      this.accounts.set(accountId, slice);
      for (const k of slice.keys.keys()) this.keyOwner.set(k, accountId);
    } else this.accounts.delete(accountId);
    this.onReload('account');
  }

  async resync(): Promise<void> {
    const revisions = await this.store.read((tx) => tx.accountRevisions());
    for (const id of [...this.accounts.keys()]) if (!revisions.has(id)) await this.reload(id);
    for (const [id, rev] of revisions) if (this.accounts.get(id)?.revision !== rev) await this.reload(id);
  }

  apply(changes: readonly Change[]): Promise<void> {
    for (const c of changes) if (c.kind === 'account') this.pending.add(c.accountId);
    this.chain = this.chain
      .then(async () => {
        const ids = [...this.pending];
        this.pending = new Set();
        for (const id of ids) await this.reload(id);
      })
      .catch((e) => this.onError(e));
    return this.chain;
  }

  requestResync(): Promise<void> {
    this.chain = this.chain.then(() => this.resync()).catch((e) => this.onError(e));
    return this.chain;
  }

  settled(): Promise<void> {
    return this.chain;
  }
}
