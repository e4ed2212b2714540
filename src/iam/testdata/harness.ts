// Test helpers: an in-memory store with a bootstrapped primary account, and a way to call IAM/STS
// operations as a given caller without HTTP.
import type { AuditNote } from '../../ops/context.js';
import { AwsError } from '../../errors/aws-error.js';
import type { Caller } from '../../model/types.js';
import { SqliteStore } from '../../store/sqlite.js';
import type { AccountCredentials } from '../accounts.js';
import { bootstrap } from '../accounts.js';
import { resolveAccessKey } from '../credentials.js';
import { Input } from '../input.js';
import type { Params } from '../input.js';
import { findOperation } from '../operations.js';
import type { Shape } from '../shapes.js';

export const ACCOUNT = '111122223333';
export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

export interface Harness {
  store: SqliteStore;
  admin: AccountCredentials;
  now: number;
  callerFor(accessKeyId: string): Promise<Caller>;
  call(caller: Caller, service: 'iam' | 'sts', action: string, params?: Params): Promise<{ result: Shape | undefined; audit: AuditNote }>;
  /** The AwsError a call fails with (assertion error if it succeeds). */
  fails(caller: Caller, service: 'iam' | 'sts', action: string, params?: Params): Promise<AwsError>;
}

export async function harness(): Promise<Harness> {
  const store = new SqliteStore(':memory:');
  const b = await bootstrap(store, { accountId: ACCOUNT, now: T0 });
  if (!b.created) throw new Error('bootstrap did not create');
  const h: Harness = {
    store,
    admin: b.credentials,
    now: T0,
    async callerFor(accessKeyId) {
      const r = await store.read((tx) => resolveAccessKey(tx, accessKeyId, h.now));
      if (!r.ok) throw new Error(`key ${accessKeyId}: ${r.reason}`);
      return r.credential.caller;
    },
    async call(caller, service, action, params = {}) {
      const op = findOperation(service, action);
      if (!op) throw new Error(`no operation ${service}:${action}`);
      const audit: AuditNote = { clusterName: null, resource: null };
      const result = await store.transaction((tx) => op.run({ tx, caller, now: h.now, audit }, new Input(params)));
      return { result, audit };
    },
    async fails(caller, service, action, params = {}) {
      try {
        await h.call(caller, service, action, params);
      } catch (e) {
        if (e instanceof AwsError) return e;
        throw e;
      }
      throw new Error(`${action} succeeded but was expected to fail`);
    },
  };
  return h;
}

export const policyDoc = (statement: unknown): string => JSON.stringify({ Version: '2012-10-17', Statement: statement });
export const trustAccount = (account = ACCOUNT): string =>
  policyDoc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' });
