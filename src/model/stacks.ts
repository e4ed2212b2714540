/**
 * CloudFormation records as the store keeps them: a stack (template, parameters, resources with
 * their physical IDs, resolved properties and attributes, outputs, and the operation in flight), its
 * events, and change sets. Cloudformation/ owns their rules; the store only keeps them.
 */
import type { Caller } from './types.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export type StackStatus =
  | 'REVIEW_IN_PROGRESS'
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_COMPLETE'
  | 'CREATE_FAILED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_COMPLETE'
  | 'ROLLBACK_FAILED'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_COMPLETE'
  | 'UPDATE_FAILED'
  | 'UPDATE_ROLLBACK_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE'
  | 'UPDATE_ROLLBACK_FAILED'
  | 'DELETE_IN_PROGRESS'
  | 'DELETE_COMPLETE'
  | 'DELETE_FAILED';

export type ResourceStatus =
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_COMPLETE'
  | 'CREATE_FAILED'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_COMPLETE'
  | 'UPDATE_FAILED'
  | 'DELETE_IN_PROGRESS'
  | 'DELETE_COMPLETE'
  | 'DELETE_FAILED'
  | 'DELETE_SKIPPED'
  | 'UPDATE_ROLLBACK_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE';

export interface StackResourceState {
  logicalId: string;
  type: string;
  physicalId?: string;
  status: ResourceStatus;
  statusReason?: string;
  updatedAt: number;
  /** The properties as last applied (all intrinsics resolved). */
  properties: { [k: string]: JsonValue };
  attributes: { [k: string]: JsonValue };
  deletionPolicy: 'Delete' | 'Retain' | 'Snapshot';
  /** Created, but not yet stable (a cluster still CREATING): the operation waits for it. */
  awaiting?: 'create' | 'update';
}

/** A resource the running update replaced or changed, kept so that cleanup or rollback can act. */
export interface ReplacedResource {
  logicalId: string;
  old: StackResourceState;
  /** The old physical resource was removed before its replacement was made (same identifier). */
  oldDeleted: boolean;
  /** The replacement, once a rollback put the old one back (deleted in the rollback's cleanup). */
  newState?: StackResourceState;
}

/** One step of a rollback or of a delete, computed when that phase began. */
export interface CleanupStep {
  /**
   * delete: remove the physical resource; retain: leave it (DeletionPolicy Retain), dropping it from
   * the stack; restore: update it back to `state`'s properties; reinstate: make `state` current again
   * (a replacement's old resource, still there); recreate: create `state` anew (its old resource was
   * removed before the replacement was made).
   */
  action: 'delete' | 'retain' | 'restore' | 'reinstate' | 'recreate';
  logicalId: string;
  /** The resource state to delete (a replaced one's old or new physical resource) or to restore. */
  state: StackResourceState;
  /** delete: the logical resource leaves the stack when done (else only this physical resource). */
  drop: boolean;
}

export interface StackOperation {
  id: string;
  kind: 'CREATE' | 'UPDATE' | 'DELETE';
  phase: 'apply' | 'cleanup' | 'rollback' | 'rollback-cleanup';
  startedAt: number;
  /** The caller whose permissions the operation's EKS and IAM calls use. */
  caller: Caller;
  /** Resources done in the apply phase (created, updated, replaced or unchanged). */
  done: string[];
  /** Resources this update created (not in the previous template). */
  created: string[];
  /** Resources updated in place: their state before, for rollback. */
  updated: ReplacedResource[];
  replaced: ReplacedResource[];
  steps?: CleanupStep[];
  cursor?: number;
  failure?: string;
  disableRollback: boolean;
  /** DeleteStack's RetainResources. */
  retain?: string[];
  /** The stack as it was before this update (restored by a rollback). */
  previous?: { templateBody: string; parameters: Record<string, string>; outputs: StackOutput[]; description?: string; capabilities: string[]; tags: Array<{ Key: string; Value: string }> };
  changeSetId?: string;
}

export interface StackOutput {
  OutputKey: string;
  OutputValue: string;
  Description?: string;
  ExportName?: string;
}

export interface StackRecord {
  stackId: string;
  stackName: string;
  accountId: string;
  region: string;
  status: StackStatus;
  statusReason?: string;
  createdAt: number;
  updatedAt?: number;
  deletedAt?: number;
  description?: string;
  templateBody: string;
  parameters: Record<string, string>;
  noEcho: string[];
  capabilities: string[];
  tags: Array<{ Key: string; Value: string }>;
  disableRollback: boolean;
  terminationProtection: boolean;
  roleArn?: string;
  outputs: StackOutput[];
  resources: Record<string, StackResourceState>;
  operation?: StackOperation;
  changeSetId?: string;
  /** The last event's sequence number. */
  eventSeq: number;
  /** Export names this stack's template imports (an export in use cannot be removed). */
  imports?: string[];
}

export interface StackEventRecord {
  StackId: string;
  EventId: string;
  StackName: string;
  OperationId?: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceType: string;
  Timestamp: number;
  ResourceStatus: string;
  ResourceStatusReason?: string;
  ResourceProperties?: string;
  ClientRequestToken?: string;
}

export interface ResourceChangeRecord {
  Action: 'Add' | 'Modify' | 'Remove';
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceType: string;
  Replacement?: 'True' | 'False' | 'Conditional';
  Scope: string[];
  Details: Array<{ Target: { Attribute: string; Name?: string; RequiresRecreation: 'Never' | 'Conditionally' | 'Always' }; Evaluation: 'Static' | 'Dynamic'; ChangeSource: string; CausingEntity?: string }>;
}

export interface ChangeSetRecord {
  changeSetId: string;
  changeSetName: string;
  stackId: string;
  stackName: string;
  type: 'CREATE' | 'UPDATE';
  description?: string;
  createdAt: number;
  status: 'CREATE_PENDING' | 'CREATE_IN_PROGRESS' | 'CREATE_COMPLETE' | 'DELETE_COMPLETE' | 'FAILED';
  statusReason?: string;
  executionStatus: 'UNAVAILABLE' | 'AVAILABLE' | 'EXECUTE_IN_PROGRESS' | 'EXECUTE_COMPLETE' | 'EXECUTE_FAILED' | 'OBSOLETE';
  templateBody: string;
  parameters: Record<string, string>;
  capabilities: string[];
  tags: Array<{ Key: string; Value: string }>;
  changes: ResourceChangeRecord[];
}
