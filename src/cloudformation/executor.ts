/**
 * Runs stack operations in the background, one step per store transaction: a step makes one
 * resource's EKS/IAM calls, writes the stack's new state and events, and records those calls in the
 * audit trail — all in that one transaction. So whatever stops the process (a crash, a restart, a
 * lost database), the stack says exactly what was applied, and the next executor to hold the
 * stack's lease (this process after a restart, or another replica on PostgreSQL) carries on from
 * there: an operation is resumed, or rolled back if it had failed, never left half-applied.
 *
 * CREATE/UPDATE apply resources in dependency order (create, update in place, or replace); UPDATE
 * then cleans up (removed resources, replaced physical resources). A failure rolls back (CREATE:
 * delete what was made → ROLLBACK_COMPLETE; UPDATE: restore or recreate what changed, then delete
 * what was added → UPDATE_ROLLBACK_COMPLETE) unless rollback was disabled. DELETE removes resources
 * in reverse dependency order, keeping those with `DeletionPolicy: Retain`.
 */
import { randomUUID } from 'node:crypto';
import { queryError, restJsonError } from '../aws/error-tables.js';
import { AwsError } from '../errors/aws-error.js';
import { authorize } from '../iam/authorize.js';
import type { AuditEvent, Caller } from '../model/types.js';
import type { CleanupStep, JsonValue, StackEventRecord, StackOperation, StackRecord, StackResourceState, StackStatus } from '../model/stacks.js';
import type { UnheldPrincipals } from '../ops/context.js';
import type { OperationRequest } from '../ops/operation.js';
import { auditEventOf } from '../ops/operation.js';
import type { ClusterEndpoint } from '../eks-api/shapes.js';
import type { Tx } from '../store/repo.js';
import type { Store } from '../store/store.js';
import { propertyChanges } from './diff.js';
import type { Props, ProviderContext } from './resources.js';
import { PROVIDERS, freshNote } from './resources.js';
import { RESOURCE_TYPES } from './resource-types.js';
import type { EvalContext, Json, JsonObject, Template } from './template/engine.js';
import { dependencyOrder, evaluate, evaluateProperties, included, isKnown, loadTemplate, unknownValue } from './template/engine.js';
import { isTemplateError } from './template/errors.js';

export interface StackDeps {
  store: Store;
  region: string;
  partition: string;
  now: () => number;
  updateDurationMs: number;
  clusterCreateDurationMs: number;
  unheld?: UnheldPrincipals;
  audit: (event: AuditEvent, tx?: Tx) => Promise<void>;
  endpointFor: (clusterName: string) => ClusterEndpoint;
  onError?: (err: unknown, stackId: string) => void;
}

/** How long a replica holds a stack it is working on before another may take it over. */
export const LEASE_MS = 10_000;
const TICK_MS = 500;

/** The source address calls made by CloudFormation carry in the audit trail (as in CloudTrail). */
export const CFN_SOURCE = 'cloudformation.amazonaws.com';

const TERMINAL = (s: StackStatus) => !s.endsWith('_IN_PROGRESS');
export const isTerminal = TERMINAL;

const live = (r: StackResourceState | undefined): r is StackResourceState => r !== undefined && r.status !== 'DELETE_COMPLETE' && r.physicalId !== undefined;

// ------------------------------------------------------------------ events

export function addEvent(tx: Tx, stack: StackRecord, at: number, e: Omit<StackEventRecord, 'StackId' | 'StackName' | 'EventId' | 'Timestamp'>): Promise<void> {
  stack.eventSeq += 1;
  const event: StackEventRecord = { StackId: stack.stackId, EventId: randomUUID(), StackName: stack.stackName, Timestamp: at, ...e };
  if (stack.operation) event.OperationId = stack.operation.id;
  return tx.insertStackEvent(event, stack.eventSeq);
}

export function stackEvent(tx: Tx, stack: StackRecord, at: number, status: StackStatus, reason?: string): Promise<void> {
  stack.status = status;
  if (reason !== undefined) stack.statusReason = reason;
  else delete stack.statusReason;
  return addEvent(tx, stack, at, {
    LogicalResourceId: stack.stackName,
    PhysicalResourceId: stack.stackId,
    ResourceType: 'AWS::CloudFormation::Stack',
    ResourceStatus: status,
    ...(reason !== undefined ? { ResourceStatusReason: reason } : {}),
  });
}

function resourceEvent(tx: Tx, stack: StackRecord, at: number, st: Pick<StackResourceState, 'logicalId' | 'type' | 'physicalId'>, status: string, reason?: string, props?: JsonObject): Promise<void> {
  return addEvent(tx, stack, at, {
    LogicalResourceId: st.logicalId,
    ...(st.physicalId !== undefined ? { PhysicalResourceId: st.physicalId } : { PhysicalResourceId: '' }),
    ResourceType: st.type,
    ResourceStatus: status,
    ...(reason !== undefined ? { ResourceStatusReason: reason } : {}),
    ...(props !== undefined ? { ResourceProperties: JSON.stringify(props) } : {}),
  });
}

// ------------------------------------------------------------------ evaluation against the stack

/** The evaluation context of a stack's template: current resources, the account's exports. */
export async function stackContext(tx: Tx, stack: StackRecord, t: Template, imports?: Set<string>): Promise<EvalContext> {
  const exports = new Map((await tx.listExports(stack.accountId)).map((e) => [e.name, e]));
  return {
    template: t,
    parameters: stack.parameters,
    pseudo: pseudoParameters(stack),
    ref: (id) => {
      const st = stack.resources[id];
      return live(st) && !st.awaiting ? st.physicalId! : unknownValue(id);
    },
    getAtt: (id, a) => {
      const st = stack.resources[id];
      const v = live(st) && !st.awaiting ? st.attributes[a] : undefined;
      return v === undefined ? unknownValue(`${id}.${a}`) : (v as Json);
    },
    importValue: (name) => {
      const e = exports.get(name);
      if (!e || e.stackId === stack.stackId) throw new AwsError('ValidationError', 400, `No export named ${name} found`);
      imports?.add(name);
      return e.value;
    },
  };
}

export function pseudoParameters(stack: Pick<StackRecord, 'accountId' | 'region' | 'stackName' | 'stackId'>): Record<string, string> {
  const partition = stack.stackId.split(':')[1] ?? 'aws';
  return {
    'AWS::AccountId': stack.accountId,
    'AWS::Region': stack.region,
    'AWS::StackName': stack.stackName,
    'AWS::StackId': stack.stackId,
    'AWS::Partition': partition,
    'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
  };
}

export function includedIds(t: Template, ctx: EvalContext): string[] {
  return dependencyOrder(t, Object.keys(t.resources).filter((id) => included(ctx, t.resources[id]?.Condition)));
}

/** The identifier a resource of these properties will have, when it is fixed by them. */
function expectedPhysicalId(type: string, p: JsonObject): string | undefined {
  const s = (v: Json | undefined) => (typeof v === 'string' ? v : undefined);
  switch (type) {
    case 'AWS::EKS::AccessEntry':
      return `${s(p.PrincipalArn) ?? ''}|${s(p.ClusterName) ?? ''}`;
    case 'AWS::EKS::Cluster':
      return s(p.Name);
    case 'AWS::EKS::IdentityProviderConfig':
      return p.IdentityProviderConfigName ? `${s(p.IdentityProviderConfigName)}|${s(p.ClusterName) ?? ''}|OIDC` : undefined;
    case 'AWS::IAM::Role':
      return s(p.RoleName);
    case 'AWS::IAM::User':
      return s(p.UserName);
    default:
      return undefined;
  }
}

// ------------------------------------------------------------------ failures

/** A resource step failed; its transaction rolled back, and this says what to record. */
export class ResourceFailure extends Error {
  constructor(
    readonly logicalId: string,
    readonly type: string,
    readonly verb: 'CREATE' | 'UPDATE' | 'DELETE',
    readonly reason: string,
    readonly physicalId: string | undefined,
    /** The EKS or IAM call that was refused, for the audit trail. */
    readonly refusedCall?: { request: OperationRequest; code: string; message: string },
  ) {
    super(reason);
  }
}

const HANDLER_CODES: Record<string, string> = {
  ResourceInUseException: 'AlreadyExists',
  EntityAlreadyExists: 'AlreadyExists',
  ResourceNotFoundException: 'NotFound',
  NoSuchEntity: 'NotFound',
  AccessDeniedException: 'AccessDenied',
  AccessDenied: 'AccessDenied',
  ResourceLimitExceededException: 'ServiceLimitExceeded',
  LimitExceeded: 'ServiceLimitExceeded',
  ThrottlingException: 'Throttling',
  Throttling: 'Throttling',
};

/** The reason a failed resource shows, worded like CloudFormation's resource handlers. */
export function handlerMessage(e: unknown, service: string | undefined, requestId: string, opId: string): string {
  if (isTemplateError(e)) return e.message;
  if (e instanceof AwsError) {
    const svc = service === 'iam' ? 'Iam' : 'Eks';
    return `Resource handler returned message: "${e.message} (Service: ${svc}, Status Code: ${e.status}, Request ID: ${requestId})" (RequestToken: ${opId}, HandlerErrorCode: ${HANDLER_CODES[e.code] ?? (e.status < 500 ? 'InvalidRequest' : 'GeneralServiceException')})`;
  }
  return 'Internal Failure';
}

// ------------------------------------------------------------------ steps

type StepResult = 'progress' | 'wait' | 'done';

class Step {
  audits: AuditEvent[] = [];
  /** The call in progress: the one to record as refused if the step fails. */
  current: { request: OperationRequest } | undefined;
  calls = 0;

  constructor(
    readonly d: StackDeps,
    readonly tx: Tx,
    readonly stack: StackRecord,
    readonly op: StackOperation,
    readonly now: number,
  ) {}

  provider(logicalId: string): ProviderContext {
    const base = {
      tx: this.tx,
      caller: this.op.caller,
      now: this.now,
      region: this.d.region,
      partition: this.d.partition,
      updateDurationMs: this.d.updateDurationMs,
      clusterCreateDurationMs: this.d.clusterCreateDurationMs,
      ...(this.d.unheld ? { unheld: this.d.unheld } : {}),
    };
    const request = (service: string, operation: string, note = freshNote()): OperationRequest => ({
      requestId: `${this.op.id}-${this.stack.eventSeq}-${++this.calls}`,
      sourceIp: CFN_SOURCE,
      at: this.now,
      service,
      operation,
      caller: this.op.caller,
      note,
    });
    return {
      op: base,
      stackName: this.stack.stackName,
      logicalId,
      endpointFor: this.d.endpointFor,
      authorize: async (action, resource, context) => {
        const [service, operation] = action.split(':') as [string, string];
        this.current = { request: request(service, operation) };
        await authorize(this.tx, this.op.caller, { action, resource, now: this.now, ...(context ? { context } : {}) });
      },
      call: async (service, operation, fn) => {
        const note = freshNote();
        const req = request(service, operation, note);
        this.current = { request: req };
        const v = await fn({ ...base, audit: note });
        this.audits.push(auditEventOf(req, 'Success'));
        this.current = undefined;
        return v;
      },
    };
  }

  fail(raw: unknown, logicalId: string, type: string, verb: ResourceFailure['verb'], physicalId?: string): ResourceFailure {
    if (raw instanceof ResourceFailure) return raw;
    const req = this.current?.request;
    // The error the API call would have answered with (a rule violation becomes EKS's or IAM's error).
    const table = req?.service === 'iam' ? queryError : restJsonError;
    const e = table(raw, { onUnexpected: (x) => this.d.onError?.(x, this.stack.stackId) });
    const reason = handlerMessage(e, req?.service, req?.requestId ?? this.op.id, this.op.id);
    const refused = req && e instanceof AwsError ? { request: req, code: e.code, message: e.message } : undefined;
    return new ResourceFailure(logicalId, type, verb, reason, physicalId, refused);
  }

  async flushAudits(): Promise<void> {
    for (const a of this.audits) await this.d.audit(a, this.tx);
    this.audits = [];
  }
}

function checkRequired(id: string, type: string, props: JsonObject): void {
  const missing = (RESOURCE_TYPES[type]?.required ?? []).filter((k) => props[k] === undefined);
  if (missing.length) throw new AwsError('ValidationError', 400, `Properties validation failed for resource ${id} with message: #: required key [${missing.join(', ')}] not found`);
  for (const [k, v] of Object.entries(props)) {
    if (!isKnown(v)) throw new AwsError('ValidationError', 400, `Property ${k} of resource ${id} depends on a value that is not available.`);
  }
}

async function applyStep(s: Step): Promise<StepResult> {
  const { stack, op, tx, now } = s;
  const t = loadTemplate(stack.templateBody);
  const ctx = await stackContext(tx, stack, t);
  for (const id of includedIds(t, ctx)) {
    if (op.done.includes(id)) continue;
    const decl = t.resources[id]!;
    const provider = PROVIDERS[decl.Type]!;
    const st = stack.resources[id];
    if (st?.awaiting && live(st)) {
      const verb = st.awaiting === 'create' ? 'CREATE' : 'UPDATE';
      let stable: true | false | string;
      try {
        stable = provider.stable ? await provider.stable(s.provider(id), st.physicalId!, st.properties, st.attributes) : true;
      } catch (e) {
        throw s.fail(e, id, decl.Type, verb, st.physicalId);
      }
      if (stable === false) return 'wait';
      if (typeof stable === 'string') throw new ResourceFailure(id, decl.Type, verb, stable, st.physicalId);
      delete st.awaiting;
      st.status = verb === 'CREATE' ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE';
      st.updatedAt = now;
      delete st.attributes['.update'];
      await resourceEvent(tx, stack, now, st, st.status);
      op.done.push(id);
      return 'progress';
    }
    let props: JsonObject;
    try {
      props = evaluateProperties(ctx, decl.Properties);
      checkRequired(id, decl.Type, props);
    } catch (e) {
      throw s.fail(e, id, decl.Type, live(st) ? 'UPDATE' : 'CREATE', st?.physicalId);
    }
    if (!live(st)) {
      await createResource(s, id, decl.Type, decl.DeletionPolicy, props);
      if (op.kind === 'UPDATE') op.created.push(id);
      return 'progress';
    }
    const changes = st.type !== decl.Type ? [{ name: 'Type', replaces: true, dynamic: false }] : propertyChanges(decl.Type, st.properties as JsonObject, props);
    st.deletionPolicy = decl.DeletionPolicy;
    if (changes.length === 0) {
      op.done.push(id);
      continue;
    }
    if (changes.some((c) => c.replaces)) {
      await replaceResource(s, id, decl.Type, decl.DeletionPolicy, st, props);
      return 'progress';
    }
    await resourceEvent(tx, stack, now, st, 'UPDATE_IN_PROGRESS');
    try {
      const r = await provider.update(s.provider(id), st.physicalId!, st.properties, props, st.attributes);
      op.updated.push({ logicalId: id, old: structuredClone(st), oldDeleted: false });
      Object.assign(st, { properties: props, attributes: r.attributes, updatedAt: now, status: r.awaiting ? 'UPDATE_IN_PROGRESS' : 'UPDATE_COMPLETE' });
      if (r.awaiting) st.awaiting = 'update';
    } catch (e) {
      throw s.fail(e, id, decl.Type, 'UPDATE', st.physicalId);
    }
    if (!st.awaiting) {
      await resourceEvent(tx, stack, now, st, 'UPDATE_COMPLETE');
      op.done.push(id);
    }
    return 'progress';
  }
  await finishApply(s, t);
  return 'progress';
}

async function createResource(s: Step, id: string, type: string, deletionPolicy: StackResourceState['deletionPolicy'], props: JsonObject): Promise<StackResourceState> {
  const { stack, tx, now, op } = s;
  await resourceEvent(tx, stack, now, { logicalId: id, type }, 'CREATE_IN_PROGRESS', undefined, props);
  let created;
  try {
    created = await PROVIDERS[type]!.create(s.provider(id), props as Props);
  } catch (e) {
    throw s.fail(e, id, type, 'CREATE');
  }
  const st: StackResourceState = {
    logicalId: id,
    type,
    physicalId: created.physicalId,
    status: created.awaiting ? 'CREATE_IN_PROGRESS' : 'CREATE_COMPLETE',
    updatedAt: now,
    properties: props as Props,
    attributes: created.attributes,
    deletionPolicy,
    ...(created.awaiting ? { awaiting: 'create' as const } : {}),
  };
  stack.resources[id] = st;
  await resourceEvent(tx, stack, now, st, 'CREATE_IN_PROGRESS', 'Resource creation Initiated');
  if (!created.awaiting) {
    await resourceEvent(tx, stack, now, st, 'CREATE_COMPLETE');
    op.done.push(id);
  }
  return st;
}

/**
 * Replacement: a new physical resource, the old one removed at cleanup. When the new one would have
 * the old one's identifier (an access entry's Type changed, a named role's Path), the old one is
 * removed first — AWS fails such an update ("a custom-named resource requires replacing"); doing it
 * in this order is what the user asked for, and a rollback makes the old one again.
 */
async function replaceResource(s: Step, id: string, type: string, deletionPolicy: StackResourceState['deletionPolicy'], st: StackResourceState, props: JsonObject): Promise<void> {
  const { stack, tx, now, op } = s;
  const old = structuredClone(st);
  const collides = st.type === type && expectedPhysicalId(type, props) === st.physicalId;
  await resourceEvent(tx, stack, now, st, 'UPDATE_IN_PROGRESS', 'Requested update requires the creation of a new physical resource; hence creating one.');
  if (collides) {
    try {
      await PROVIDERS[st.type]!.delete(s.provider(id), st.physicalId!, st.properties);
    } catch (e) {
      throw s.fail(e, id, type, 'UPDATE', st.physicalId);
    }
  }
  let created;
  try {
    created = await PROVIDERS[type]!.create(s.provider(id), props as Props);
  } catch (e) {
    throw s.fail(e, id, type, 'UPDATE', st.physicalId);
  }
  op.replaced.push({ logicalId: id, old, oldDeleted: collides });
  const next: StackResourceState = {
    logicalId: id,
    type,
    physicalId: created.physicalId,
    status: created.awaiting ? 'UPDATE_IN_PROGRESS' : 'UPDATE_COMPLETE',
    updatedAt: now,
    properties: props as Props,
    attributes: created.attributes,
    deletionPolicy,
    ...(created.awaiting ? { awaiting: 'create' as const } : {}),
  };
  stack.resources[id] = next;
  await resourceEvent(tx, stack, now, next, 'UPDATE_IN_PROGRESS', 'Resource creation Initiated');
  if (!created.awaiting) {
    await resourceEvent(tx, stack, now, next, 'UPDATE_COMPLETE');
    op.done.push(id);
  }
}

/** Outputs and exports, then completion (CREATE) or cleanup (UPDATE). */
async function finishApply(s: Step, t: Template): Promise<void> {
  const { stack, tx, now, op } = s;
  const imports = new Set<string>();
  const ctx = await stackContext(tx, stack, t, imports);
  const outputs: StackRecord['outputs'] = [];
  const exports: Array<{ name: string; value: string }> = [];
  try {
    for (const id of includedIds(t, ctx)) evaluateProperties(ctx, t.resources[id]!.Properties);
    for (const [key, o] of Object.entries(t.outputs)) {
      if (!included(ctx, o.Condition)) continue;
      const v = evaluate(ctx, o.Value);
      const value = Array.isArray(v) ? v.join(',') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
      const out: StackRecord['outputs'][number] = { OutputKey: key, OutputValue: value };
      if (o.Description !== undefined) out.Description = String(evaluate(ctx, o.Description));
      if (o.ExportName !== undefined) {
        const name = String(evaluate(ctx, o.ExportName));
        const owner = await tx.getExport(stack.accountId, name);
        if (owner && owner.stackId !== stack.stackId) {
          const other = await tx.getStack(owner.stackId);
          throw new AwsError('ValidationError', 400, `Export with name ${name} is already exported by stack ${other?.stackName ?? owner.stackId}`);
        }
        out.ExportName = name;
        exports.push({ name, value });
      }
      outputs.push(out);
    }
    await checkExportsInUse(tx, stack, exports);
  } catch (e) {
    throw new ResourceFailure(stack.stackName, 'AWS::CloudFormation::Stack', op.kind === 'CREATE' ? 'CREATE' : 'UPDATE', isTemplateError(e) || e instanceof AwsError ? e.message : 'Internal Failure', stack.stackId);
  }
  stack.outputs = outputs;
  stack.imports = [...imports].sort();
  await tx.setExports(stack.accountId, stack.stackId, exports);
  if (op.kind === 'CREATE') {
    await completeOperation(s, 'CREATE_COMPLETE');
    return;
  }
  op.phase = 'cleanup';
  op.steps = cleanupSteps(stack, t, ctx, op);
  op.cursor = 0;
  await stackEvent(tx, stack, now, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
}

/** An export another stack imports may not disappear or change its value. */
async function checkExportsInUse(tx: Tx, stack: StackRecord, next: Array<{ name: string; value: string }>): Promise<void> {
  const mine = (await tx.listExports(stack.accountId)).filter((e) => e.stackId === stack.stackId);
  const changed = mine.filter((e) => next.find((n) => n.name === e.name)?.value !== e.value).map((e) => e.name);
  if (changed.length === 0) return;
  for (const other of await tx.listStacks(stack.accountId, { includeDeleted: false, limit: 10_000 })) {
    if (other.stackId === stack.stackId) continue;
    const used = changed.find((n) => other.imports?.includes(n));
    if (used) throw new AwsError('ValidationError', 400, `Cannot update export ${used} as it is in use by ${other.stackName}`);
  }
}

/** UPDATE's cleanup: removed resources (reverse order) and the old physical resources of replacements. */
function cleanupSteps(stack: StackRecord, t: Template, ctx: EvalContext, op: StackOperation): CleanupStep[] {
  const kept = new Set(includedIds(t, ctx));
  const removed = Object.values(stack.resources).filter((r) => live(r) && !kept.has(r.logicalId));
  const steps: CleanupStep[] = [];
  for (const r of op.replaced.filter((x) => !x.oldDeleted).reverse()) steps.push({ action: 'delete', logicalId: r.logicalId, state: r.old, drop: false });
  for (const r of reverseOrder(stack, removed.map((x) => x.logicalId), op.previous?.templateBody)) {
    const state = stack.resources[r]!;
    steps.push({ action: state.deletionPolicy === 'Retain' ? 'retain' : 'delete', logicalId: r, state, drop: true });
  }
  return steps;
}

/** Resources in reverse dependency order of the template that made them. */
function reverseOrder(stack: StackRecord, ids: string[], templateBody?: string): string[] {
  let order = ids;
  try {
    const t = loadTemplate(templateBody ?? stack.templateBody);
    const known = ids.filter((id) => t.resources[id]);
    order = [...dependencyOrder(t, known), ...ids.filter((id) => !t.resources[id])];
  } catch {
    // A template that no longer loads still has resources to remove: newest first.
    order = [...ids].sort((a, b) => (stack.resources[a]?.updatedAt ?? 0) - (stack.resources[b]?.updatedAt ?? 0));
  }
  return order.reverse();
}

async function cleanupStep(s: Step): Promise<StepResult> {
  const { stack, tx, now, op } = s;
  const steps = op.steps ?? [];
  const i = op.cursor ?? 0;
  if (i >= steps.length) {
    await endPhase(s);
    return 'progress';
  }
  const step = steps[i]!;
  const st = step.state;
  const fatal = op.kind === 'DELETE' || op.phase !== 'cleanup';
  const provider = PROVIDERS[st.type]!;
  try {
    switch (step.action) {
      case 'retain':
        await resourceEvent(tx, stack, now, st, 'DELETE_SKIPPED');
        delete stack.resources[step.logicalId];
        break;
      case 'delete':
        await resourceEvent(tx, stack, now, st, 'DELETE_IN_PROGRESS');
        await provider.delete(s.provider(step.logicalId), st.physicalId!, st.properties);
        await resourceEvent(tx, stack, now, st, 'DELETE_COMPLETE');
        if (step.drop) stack.resources[step.logicalId] = { ...st, status: 'DELETE_COMPLETE', updatedAt: now };
        break;
      case 'reinstate':
        stack.resources[step.logicalId] = { ...st, status: 'UPDATE_COMPLETE', updatedAt: now };
        await resourceEvent(tx, stack, now, st, 'UPDATE_COMPLETE');
        break;
      case 'restore': {
        const current = stack.resources[step.logicalId]!;
        await resourceEvent(tx, stack, now, current, 'UPDATE_IN_PROGRESS');
        const r = await provider.update(s.provider(step.logicalId), current.physicalId!, current.properties, st.properties, current.attributes);
        stack.resources[step.logicalId] = { ...st, attributes: { ...r.attributes }, status: 'UPDATE_COMPLETE', updatedAt: now };
        delete stack.resources[step.logicalId]!.attributes['.update'];
        await resourceEvent(tx, stack, now, st, 'UPDATE_COMPLETE');
        break;
      }
      case 'recreate': {
        await resourceEvent(tx, stack, now, st, 'UPDATE_IN_PROGRESS', 'Requested update requires the creation of a new physical resource; hence creating one.');
        const created = await provider.create(s.provider(step.logicalId), st.properties);
        const next = { ...st, physicalId: created.physicalId, attributes: created.attributes, status: 'UPDATE_COMPLETE' as const, updatedAt: now };
        stack.resources[step.logicalId] = next;
        await resourceEvent(tx, stack, now, next, 'UPDATE_COMPLETE');
        break;
      }
    }
  } catch (e) {
    const f = s.fail(e, step.logicalId, st.type, step.action === 'delete' ? 'DELETE' : 'UPDATE', st.physicalId);
    if (fatal) throw f;
    // Cleanup failures leave the resource behind and the update done, as CloudFormation does.
    throw Object.assign(f, { continueAfter: true });
  }
  op.cursor = i + 1;
  return 'progress';
}

/** The end of a cleanup, rollback or delete phase. */
async function endPhase(s: Step): Promise<void> {
  const { stack, tx, now, op } = s;
  if (op.kind === 'DELETE') {
    await tx.setExports(stack.accountId, stack.stackId, []);
    await tx.deleteChangeSetsOf(stack.stackId);
    stack.deletedAt = now;
    await completeOperation(s, 'DELETE_COMPLETE');
    return;
  }
  if (op.phase === 'cleanup') {
    pruneDeleted(stack);
    await completeOperation(s, 'UPDATE_COMPLETE');
    return;
  }
  if (op.kind === 'CREATE') {
    await completeOperation(s, 'ROLLBACK_COMPLETE');
    return;
  }
  if (op.phase === 'rollback') {
    // The previous template, parameters and outputs are the stack's again.
    const prev = op.previous!;
    Object.assign(stack, { templateBody: prev.templateBody, parameters: prev.parameters, outputs: prev.outputs, capabilities: prev.capabilities, tags: prev.tags });
    if (prev.description !== undefined) stack.description = prev.description;
    else delete stack.description;
    await tx.setExports(stack.accountId, stack.stackId, prev.outputs.filter((o) => o.ExportName).map((o) => ({ name: o.ExportName!, value: o.OutputValue })));
    op.phase = 'rollback-cleanup';
    const created = reverseOrder(stack, op.created.filter((id) => live(stack.resources[id])));
    op.steps = [
      ...op.replaced.filter((r) => !r.oldDeleted).map((r): CleanupStep => ({ action: 'delete', logicalId: r.logicalId, state: r.newState!, drop: false })),
      ...created.map((id): CleanupStep => ({ action: 'delete', logicalId: id, state: stack.resources[id]!, drop: true })),
    ].filter((x) => x.state !== undefined);
    op.cursor = 0;
    await stackEvent(tx, stack, now, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    return;
  }
  pruneDeleted(stack);
  // A resource whose update failed (and rolled back with its transaction) is as it was.
  for (const r of Object.values(stack.resources)) {
    if (r.status === 'UPDATE_FAILED') {
      r.status = 'UPDATE_COMPLETE';
      delete r.statusReason;
    }
  }
  await completeOperation(s, 'UPDATE_ROLLBACK_COMPLETE');
}

function pruneDeleted(stack: StackRecord): void {
  for (const [id, r] of Object.entries(stack.resources)) if (r.status === 'DELETE_COMPLETE') delete stack.resources[id];
}

async function completeOperation(s: Step, status: StackStatus, reason?: string): Promise<void> {
  const { stack, tx, now, op } = s;
  await stackEvent(tx, stack, now, status, reason);
  if (op.changeSetId) {
    const cs = await tx.getChangeSet(op.changeSetId);
    if (cs) await tx.putChangeSet({ ...cs, executionStatus: status.includes('ROLLBACK') || status.endsWith('FAILED') ? 'EXECUTE_FAILED' : 'EXECUTE_COMPLETE' });
  }
  delete stack.operation;
}

/** After a failed step: record it, then roll back (or stop, when rollback is disabled or failing). */
async function recordFailure(d: StackDeps, tx: Tx, stack: StackRecord, f: ResourceFailure & { continueAfter?: boolean }): Promise<void> {
  const op = stack.operation!;
  const now = d.now();
  const s = new Step(d, tx, stack, op, now);
  const isStack = f.type === 'AWS::CloudFormation::Stack';
  if (!isStack) {
    const st = { logicalId: f.logicalId, type: f.type, ...(f.physicalId !== undefined ? { physicalId: f.physicalId } : {}) };
    if (f.verb === 'CREATE' && !f.physicalId) await resourceEvent(tx, stack, now, st, 'CREATE_IN_PROGRESS');
    await resourceEvent(tx, stack, now, st, `${f.verb}_FAILED`, f.reason);
    const existing = stack.resources[f.logicalId];
    if (existing && f.physicalId === existing.physicalId) Object.assign(existing, { status: `${f.verb}_FAILED`, statusReason: f.reason, updatedAt: now });
    else if (!existing) stack.resources[f.logicalId] = { logicalId: f.logicalId, type: f.type, status: 'CREATE_FAILED', statusReason: f.reason, updatedAt: now, properties: {}, attributes: {}, deletionPolicy: 'Delete' };
  }
  if (f.continueAfter) {
    op.cursor = (op.cursor ?? 0) + 1;
    return;
  }
  const failed = `The following resource(s) failed to ${f.verb.toLowerCase()}: [${f.logicalId}]. `;
  if (op.phase === 'rollback' || op.phase === 'rollback-cleanup') {
    await completeOperation(s, op.kind === 'CREATE' ? 'ROLLBACK_FAILED' : 'UPDATE_ROLLBACK_FAILED', failed);
    return;
  }
  if (op.kind === 'DELETE') {
    await completeOperation(s, 'DELETE_FAILED', failed);
    return;
  }
  if (op.disableRollback) {
    await completeOperation(s, op.kind === 'CREATE' ? 'CREATE_FAILED' : 'UPDATE_FAILED', failed);
    return;
  }
  op.failure = failed;
  op.phase = 'rollback';
  op.cursor = 0;
  if (op.kind === 'CREATE') {
    const made = Object.values(stack.resources).filter(live).map((r) => r.logicalId);
    op.steps = reverseOrder(stack, made).map((id) => ({ action: 'delete', logicalId: id, state: stack.resources[id]!, drop: true }));
    await stackEvent(tx, stack, now, 'ROLLBACK_IN_PROGRESS', `${failed}Rollback requested by user.`);
    return;
  }
  // UPDATE: undo in reverse order of application; what was added goes in the cleanup after.
  const undo: CleanupStep[] = [];
  const changed = [...op.updated.map((r) => ({ r, kind: 'updated' as const })), ...op.replaced.map((r) => ({ r, kind: 'replaced' as const }))];
  const order = reverseOrder(stack, changed.map((c) => c.r.logicalId), stack.templateBody);
  for (const id of order) {
    const c = changed.find((x) => x.r.logicalId === id)!;
    const current = stack.resources[id];
    if (c.kind === 'updated') undo.push({ action: 'restore', logicalId: id, state: c.r.old, drop: false });
    else if (c.r.oldDeleted) {
      if (live(current) && current.physicalId !== undefined) undo.push({ action: 'delete', logicalId: id, state: current, drop: false });
      undo.push({ action: 'recreate', logicalId: id, state: c.r.old, drop: false });
    } else {
      if (live(current)) c.r.newState = current;
      undo.push({ action: 'reinstate', logicalId: id, state: c.r.old, drop: false });
    }
  }
  op.steps = undo;
  await stackEvent(tx, stack, now, 'UPDATE_ROLLBACK_IN_PROGRESS', failed);
}

// ------------------------------------------------------------------ the executor

export interface StackExecutorOptions extends StackDeps {
  /** This process's name in leases. */
  owner?: string;
}

/**
 * Works on every stack with an operation in flight whose lease it holds or can take: at start
 * (resuming what a stopped process left), every TICK_MS, and at once when an API call starts one.
 */
export class StackExecutor {
  readonly owner: string;
  private timer: NodeJS.Timeout | undefined;
  private running = new Map<string, Promise<void>>();
  private listeners = new Set<(stackId: string) => void>();
  private stopped = false;

  constructor(private readonly d: StackExecutorOptions) {
    this.owner = d.owner ?? `${process.pid}-${randomUUID()}`;
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.running.values()]);
    // Let another replica (or the next start) take over at once instead of after the lease.
    const ids = [...this.running.keys()];
    for (const id of ids) await this.d.store.transaction((tx) => tx.releaseStack(id, this.owner)).catch(() => undefined);
  }

  /** Works on a stack now (after the API call that started its operation committed). */
  kick(stackId: string): void {
    void this.work(stackId);
  }

  /** Resolves when the stack's operation reached a terminal status here, or after `ms`. */
  async settle(stackId: string, ms: number): Promise<void> {
    if (ms <= 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve();
      };
      const listener = (id: string) => {
        if (id === stackId) done();
      };
      const timer = setTimeout(done, ms);
      this.listeners.add(listener);
      void this.d.store.read((tx) => tx.getStack(stackId)).then((s) => {
        if (!s || TERMINAL(s.status) || s.status === 'REVIEW_IN_PROGRESS') done();
      }, done);
    });
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let pending: Awaited<ReturnType<Tx['listStacksInProgress']>>;
    try {
      pending = await this.d.store.read((tx) => tx.listStacksInProgress());
    } catch {
      return; // the database is away; the next tick tries again
    }
    const now = this.d.now();
    for (const p of pending) {
      if (p.leaseOwner && p.leaseOwner !== this.owner && p.leaseUntil >= now) continue;
      void this.work(p.stackId);
    }
  }

  private work(stackId: string): Promise<void> {
    const existing = this.running.get(stackId);
    if (existing) return existing;
    const run = this.run(stackId).finally(() => this.running.delete(stackId));
    this.running.set(stackId, run);
    return run;
  }

  private async run(stackId: string): Promise<void> {
    const { store } = this.d;
    for (let i = 0; i < 10_000 && !this.stopped; i++) {
      const now = this.d.now();
      let leased: boolean;
      try {
        leased = await store.transaction((tx) => tx.leaseStack(stackId, this.owner, now, now + LEASE_MS));
      } catch {
        return;
      }
      if (!leased) return;
      const r = await this.advance(stackId);
      if (r === 'done') {
        await store.transaction((tx) => tx.releaseStack(stackId, this.owner)).catch(() => undefined);
        for (const l of this.listeners) l(stackId);
        return;
      }
      if (r === 'wait') return;
    }
  }

  /** One step, in one transaction (and, when it failed, the failure in a second one). */
  private async advance(stackId: string): Promise<StepResult> {
    const d = this.d;
    try {
      return await d.store.transaction(async (tx) => {
        const stack = await tx.getStack(stackId, { forUpdate: true });
        if (!stack?.operation || TERMINAL(stack.status)) return 'done';
        const before = JSON.stringify(stack);
        const s = new Step(d, tx, stack, stack.operation, d.now());
        const r = stack.operation.phase === 'apply' ? await applyStep(s) : await cleanupStep(s);
        await s.flushAudits();
        if (JSON.stringify(stack) !== before) await tx.updateStack(stack);
        return stack.operation ? r : 'done';
      });
    } catch (e) {
      if (!(e instanceof ResourceFailure)) {
        d.onError?.(e, stackId);
        return 'wait';
      }
      try {
        await d.store.transaction(async (tx) => {
          const stack = await tx.getStack(stackId, { forUpdate: true });
          if (!stack?.operation) return;
          await recordFailure(d, tx, stack, e);
          await tx.updateStack(stack);
        });
      } catch (e2) {
        d.onError?.(e2, stackId);
        return 'wait';
      }
      if (e.refusedCall) {
        const { request, code, message } = e.refusedCall;
        void d.audit(auditEventOf(request, code, message)).catch(() => undefined);
      }
      return 'progress';
    }
  }
}

/** The operation record a new CREATE, UPDATE or DELETE starts with. */
export function newOperation(kind: StackOperation['kind'], caller: Caller, now: number, o: { disableRollback?: boolean; changeSetId?: string; retain?: string[]; previous?: StackOperation['previous'] } = {}): StackOperation {
  return {
    id: randomUUID(),
    kind,
    phase: kind === 'DELETE' ? 'cleanup' : 'apply',
    startedAt: now,
    caller,
    done: [],
    created: [],
    updated: [],
    replaced: [],
    disableRollback: o.disableRollback ?? false,
    ...(o.changeSetId ? { changeSetId: o.changeSetId } : {}),
    ...(o.retain ? { retain: o.retain } : {}),
    ...(o.previous ? { previous: o.previous } : {}),
  };
}

/** DELETE's steps: live resources in reverse dependency order; Retain (or RetainResources) kept. */
export function deleteSteps(stack: StackRecord, retain: string[]): CleanupStep[] {
  const ids = Object.values(stack.resources).filter(live).map((r) => r.logicalId);
  return reverseOrder(stack, ids).map((id) => {
    const state = stack.resources[id]!;
    return { action: state.deletionPolicy === 'Retain' || retain.includes(id) ? 'retain' : 'delete', logicalId: id, state, drop: true };
  });
}

export type { JsonValue };
