/** Reads shared by the IAM operations, STS and authorization. */
import type { ManagedPolicyRecord } from '../model/types.js';
import type { Tx } from '../store/repo.js';
import { getAwsManagedPolicy, isAwsManagedArn } from './policy/managed.js';

/** An AWS managed policy (from data) or a customer managed one (from the store). */
export async function getManagedPolicyRecord(tx: Tx, arn: string): Promise<ManagedPolicyRecord | undefined> {
  return isAwsManagedArn(arn) ? getAwsManagedPolicy(arn) : tx.getManagedPolicy(arn);
}
