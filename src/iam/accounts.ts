/**
 * Accounts held by Entryway's IAM. Each has an administrator user with AdministratorAccess and
 * one access key. The primary account's administrator is also the bootstrap (break-glass)
 * principal: settings `bootstrapAdminArn` (+ `bootstrapAdminUserId`) and `primaryAccountId`.
 */
import { auditEventOf, systemCaller } from '../ops/operation.js';
import { randomUUID } from 'node:crypto';
import type { IamUserRecord } from '../model/types.js';
import type { Tx } from '../store/repo.js';
import type { Store } from '../store/store.js';
import { SETTING_BOOTSTRAP_ADMIN_ARN, SETTING_BOOTSTRAP_ADMIN_ID, SETTING_PRIMARY_ACCOUNT } from './authorize.js';
import { iamError } from './errors.js';
import type { RandomSource } from './ids.js';
import { newAccountId, newUserId } from './ids.js';
import { DEFAULT_PARTITION, userArn } from './names.js';
import { AWS_MANAGED_POLICY_PREFIX } from './policy/index.js';
import { issueAccessKey } from './users.js';

export const BOOTSTRAP_ADMIN_USER = 'entryway-admin';
export const ADMINISTRATOR_ACCESS = `${AWS_MANAGED_POLICY_PREFIX}AdministratorAccess`;

export interface AccountCredentials {
  accountId: string;
  userName: string;
  userArn: string;
  userId: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface CreateAccountOptions {
  /** 12 digits; random when omitted. */
  accountId?: string;
  /** Administrator user name (default `entryway-admin`). */
  adminUserName?: string;
  now?: number;
  random?: RandomSource;
  partition?: string;
}

/** Creates an account, its administrator (AdministratorAccess) and one access key for it. */
export async function createAccount(tx: Tx, opts: CreateAccountOptions = {}): Promise<AccountCredentials> {
  const now = opts.now ?? Date.now();
  const userName = opts.adminUserName ?? BOOTSTRAP_ADMIN_USER;
  if (!/^[\w+=,.@-]{1,64}$/.test(userName)) throw iamError.validation(`Invalid administrator user name: ${userName}`);
  let accountId = opts.accountId;
  if (accountId !== undefined) {
    if (!/^\d{12}$/.test(accountId)) throw iamError.validation(`Account ID must be 12 digits: ${accountId}`);
    // The account of Entryway's background jobs in the audit trail (ops/operation.ts systemCaller).
    if (accountId === '000000000000') throw iamError.validation('Account ID 000000000000 is reserved for Entryway itself.');
    if (await tx.getAccount(accountId)) throw iamError.alreadyExists(`Account ${accountId} already exists.`);
  } else {
    do accountId = newAccountId(opts.random);
    while (await tx.getAccount(accountId));
  }
  await tx.insertAccount({ accountId, createdAt: now });
  let userId = newUserId(opts.random);
  while (await tx.getUserById(userId)) userId = newUserId(opts.random);
  const user: IamUserRecord = {
    accountId,
    userName,
    path: '/',
    userId,
    arn: userArn(accountId, '/', userName, opts.partition ?? DEFAULT_PARTITION),
    createdAt: now,
    tags: {},
  };
  await tx.insertUser(user);
  await tx.attachPolicy({ accountId, principalType: 'user', principalName: userName, policyArn: ADMINISTRATOR_ACCESS });
  const key = await issueAccessKey({ tx, now, ...(opts.random ? { random: opts.random } : {}) }, user);
  return { accountId, userName, userArn: user.arn, userId, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
}

export type BootstrapResult =
  | { created: true; credentials: AccountCredentials }
  | { created: false; accountId: string; adminArn: string | undefined };

/**
 * First start: creates the primary account (random 12-digit ID unless `accountId` is given), the
 * IAM user `entryway-admin` with AdministratorAccess and one access key, records
 * `bootstrapAdminArn` and `primaryAccountId`, and returns the credentials (shown once; the caller
 * writes them to a credentials file). Later starts return the existing primary account and change
 * nothing. Concurrent replicas: one transaction wins, the others see its settings.
 */
export async function bootstrap(store: Store, opts: Omit<CreateAccountOptions, 'adminUserName'> = {}): Promise<BootstrapResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await bootstrapOnce(store, opts);
    } catch (e) {
      // Another replica sharing the database is bootstrapping: wait for it, then use its account.
      if (!(e instanceof BootstrapRaceError) || attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

class BootstrapRaceError extends Error {}

/** Who creates the primary account on first start, in the audit trail. */
const BOOTSTRAP_CALLER = systemCaller('bootstrap');

async function bootstrapOnce(store: Store, opts: Omit<CreateAccountOptions, 'adminUserName'>): Promise<BootstrapResult> {
  return store.transaction(async (tx) => {
    const existing = await tx.getSetting(SETTING_PRIMARY_ACCOUNT);
    if (existing !== undefined) return { created: false, accountId: existing, adminArn: await tx.getSetting(SETTING_BOOTSTRAP_ADMIN_ARN) };
    // Claim the bootstrap: a concurrent claimant blocks on the key until we commit, then loses.
    const claim = randomUUID();
    if ((await tx.putSettingIfAbsent('bootstrapClaim', claim)) !== claim) throw new BootstrapRaceError();
    const credentials = await createAccount(tx, opts);
    await tx.putSetting(SETTING_PRIMARY_ACCOUNT, credentials.accountId);
    await tx.putSetting(SETTING_BOOTSTRAP_ADMIN_ARN, credentials.userArn);
    await tx.putSetting(SETTING_BOOTSTRAP_ADMIN_ID, credentials.userId);
    // The installation's first change, recorded with it (the key ID, never the secret).
    const at = opts.now ?? Date.now();
    await tx.insertAudit(
      auditEventOf(
        {
          requestId: `bootstrap-${claim}`,
          sourceIp: '-',
          at,
          service: 'entryway',
          operation: 'Bootstrap',
          caller: BOOTSTRAP_CALLER,
          note: { clusterName: null, resource: credentials.userArn, after: { accountId: credentials.accountId, user: credentials.userArn, accessKeyId: credentials.accessKeyId, policy: 'AdministratorAccess' } },
        },
        'Success',
      ),
    );
    return { created: true, credentials };
  });
}

/**
 * After restoring a backup made without secrets every access key is Inactive with a secret nobody
 * holds, so no one could sign a call. This gives the bootstrap administrator (the user of
 * `bootstrapAdminUserId`, if it still exists) one new Active key, making room by deleting its
 * inactive keys if it is at the two-key quota, and records that. Undefined: no such user.
 */
export async function issueRecoveryKey(store: Store, now = Date.now()): Promise<AccountCredentials | undefined> {
  return store.transaction(async (tx) => {
    const id = await tx.getSetting(SETTING_BOOTSTRAP_ADMIN_ID);
    const user = id === undefined ? undefined : await tx.getUserById(id);
    if (!user) return undefined;
    const keys = await tx.listAccessKeys(user.accountId, user.userName);
    const removed: string[] = [];
    for (const k of keys.filter((k) => k.status === 'Inactive').sort((a, b) => a.createdAt - b.createdAt)) {
      if (keys.length - removed.length < 2) break;
      await tx.deleteAccessKey(k);
      removed.push(k.accessKeyId);
    }
    if (keys.length - removed.length >= 2) throw iamError.limitExceeded(`${user.arn} has two active access keys: no recovery key is needed`);
    const key = await issueAccessKey({ tx, now }, user);
    await tx.insertAudit(
      auditEventOf(
        {
          requestId: `recovery-${randomUUID()}`,
          sourceIp: '-',
          at: now,
          service: 'entryway',
          operation: 'IssueRecoveryKey',
          caller: systemCaller('restore'),
          note: { clusterName: null, resource: user.arn, after: { accessKeyId: key.accessKeyId, deletedInactiveKeys: removed } },
        },
        'Success',
      ),
    );
    return { accountId: user.accountId, userName: user.userName, userArn: user.arn, userId: user.userId, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  });
}
