/**
 * The CloudFormation API (2010-05-15) actions Entryway serves. Each runs inside one store
 * transaction, authorizes the caller for `cloudformation:<Action>` on the stack, and answers with
 * the members of `<Action>Result` (botocore's model is the contract). Calls that start an operation
 * (CreateStack, UpdateStack, DeleteStack, ExecuteChangeSet) only record it; the executor runs it in
 * the background after the transaction commits.
 */
import { randomUUID } from 'node:crypto';
import { AwsError } from '../errors/aws-error.js';
import { authorize } from '../iam/authorize.js';
import type { Input } from '../iam/input.js';
import type { Shape } from '../iam/shapes.js';
import type { ChangeSetRecord, StackRecord, StackResourceState, StackStatus } from '../model/stacks.js';
import type { Caller } from '../model/types.js';
import type { AuditNote } from '../ops/context.js';
import type { Tx } from '../store/repo.js';
import { planChanges } from './diff.js';
import { deleteSteps, includedIds, newOperation, stackContext, stackEvent } from './executor.js';
import { RESOURCE_TYPES } from './resource-types.js';
import type { GivenParameter, Template } from './template/engine.js';
import { loadTemplate, requiredCapabilities, resolveParameters } from './template/engine.js';

export const CFN_API_VERSION = '2010-05-15';
export const CFN_NAMESPACE = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export interface CfnContext {
  tx: Tx;
  caller: Caller;
  now: number;
  region: string;
  partition: string;
  audit: AuditNote;
  /** Stacks whose operation this call started: the edge hands them to the executor after commit. */
  started: string[];
}

export interface CfnOperation {
  name: string;
  readOnly: boolean;
  run: (ctx: CfnContext, input: Input) => Promise<Shape | undefined>;
}

const validation = (message: string) => new AwsError('ValidationError', 400, message);
const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;
const STACK_ARN = /^arn:[-a-zA-Z0-9]+:cloudformation:[-a-z0-9]+:\d{12}:stack\/[a-zA-Z][-a-zA-Z0-9]*\/[-a-f0-9]+$/;
const CHANGE_SET_ARN = /^arn:[-a-zA-Z0-9]+:cloudformation:[-a-z0-9]+:\d{12}:changeSet\/[a-zA-Z][-a-zA-Z0-9]*\/[-a-f0-9]+$/;
const UPDATABLE: StackStatus[] = ['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE'];
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function stackArnPattern(ctx: CfnContext, name: string): string {
  return `arn:${ctx.partition}:cloudformation:${ctx.region}:${ctx.caller.accountId}:stack/${name}/*`;
}

async function allow(ctx: CfnContext, action: string, resource: string): Promise<void> {
  await authorize(ctx.tx, ctx.caller, { action: `cloudformation:${action}`, resource, now: ctx.now });
}

function readStackName(input: Input, member = 'StackName'): string {
  const v = input.string(member, { required: true, max: 1600 });
  if (!STACK_NAME.test(v) && !STACK_ARN.test(v)) {
    throw validation(`1 validation error detected: Value '${v.slice(0, 256)}' at '${member.charAt(0).toLowerCase()}${member.slice(1)}' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*`);
  }
  return v;
}

/** The stack a name (live stacks) or stack ID (deleted ones too) names, of the caller's account. */
async function findStack(ctx: CfnContext, nameOrId: string): Promise<StackRecord | undefined> {
  if (nameOrId.startsWith('arn:')) {
    const s = await ctx.tx.getStack(nameOrId, { forUpdate: true });
    return s && s.accountId === ctx.caller.accountId ? s : undefined;
  }
  return ctx.tx.getLiveStackByName(ctx.caller.accountId, nameOrId);
}

async function mustFindStack(ctx: CfnContext, nameOrId: string, action: string): Promise<StackRecord> {
  await allow(ctx, action, nameOrId.startsWith('arn:') ? nameOrId : stackArnPattern(ctx, nameOrId));
  const s = await findStack(ctx, nameOrId);
  if (!s) throw validation(`Stack with id ${nameOrId} does not exist`);
  ctx.audit.resource = s.stackId;
  return s;
}

function readTemplate(input: Input, required: boolean): string | undefined {
  if (input.has('TemplateURL')) {
    throw validation('TemplateURL is not supported by Entryway, which has no S3: pass the template itself (TemplateBody; `aws cloudformation deploy --template-file` does for templates up to 51,200 bytes).');
  }
  const body = input.string('TemplateBody', { min: 1, max: 1_000_000 });
  if (body === undefined && required) throw validation('Either Template URL or Template Body must be specified.');
  return body;
}

function readParameters(input: Input): GivenParameter[] {
  const raw = input.params.Parameters;
  if (raw === undefined || raw === '') return [];
  if (!Array.isArray(raw)) throw validation('Parameters must be a list');
  return raw.map((p) => {
    const o = (p ?? {}) as Record<string, unknown>;
    if (typeof o.ParameterKey !== 'string') throw validation('Every parameter must have a ParameterKey');
    const g: GivenParameter = { ParameterKey: o.ParameterKey };
    if (typeof o.ParameterValue === 'string') g.ParameterValue = o.ParameterValue;
    if (o.UsePreviousValue === 'true') g.UsePreviousValue = true;
    return g;
  });
}

function readTags(input: Input): Array<{ Key: string; Value: string }> {
  const raw = input.params.Tags;
  if (raw === undefined || raw === '') return [];
  if (!Array.isArray(raw) || raw.length > 50) throw validation('Tags must be a list of at most 50 tags');
  return raw.map((t) => {
    const o = (t ?? {}) as Record<string, unknown>;
    if (typeof o.Key !== 'string' || typeof o.Value !== 'string') throw validation('Every tag must have a Key and a Value');
    return { Key: o.Key, Value: o.Value };
  });
}

function checkCapabilities(t: Template, given: string[]): void {
  const need = requiredCapabilities(t);
  const ok = need.capabilities.every((c) => given.includes(c) || (c === 'CAPABILITY_IAM' && given.includes('CAPABILITY_NAMED_IAM')));
  if (!ok) throw new AwsError('InsufficientCapabilitiesException', 400, `Requires capabilities : [${need.capabilities.join(', ')}]`);
}

interface Prepared {
  template: Template;
  body: string;
  parameters: Record<string, string>;
}

/** Template, parameters and capabilities of a call, checked as CloudFormation checks them. */
async function prepare(ctx: CfnContext, input: Input, stack: StackRecord | undefined, body: string): Promise<Prepared> {
  const template = loadTemplate(body);
  const parameters = resolveParameters(template, readParameters(input), stack?.parameters ?? {});
  checkCapabilities(template, input.stringList('Capabilities'));
  // Conditions and the dependency order are evaluated now, so their errors fail the call itself.
  const probe = stack ?? placeholderStack(ctx, 'probe');
  includedIds(template, await stackContext(ctx.tx, { ...probe, parameters }, template));
  return { template, body, parameters };
}

function placeholderStack(ctx: CfnContext, name: string): StackRecord {
  return newStackRecord(ctx, name, 'REVIEW_IN_PROGRESS', '', {}, [], []);
}

function newStackRecord(ctx: CfnContext, name: string, status: StackStatus, body: string, parameters: Record<string, string>, capabilities: string[], tags: StackRecord['tags']): StackRecord {
  return {
    stackId: `arn:${ctx.partition}:cloudformation:${ctx.region}:${ctx.caller.accountId}:stack/${name}/${randomUUID()}`,
    stackName: name,
    accountId: ctx.caller.accountId,
    region: ctx.region,
    status,
    createdAt: ctx.now,
    templateBody: body,
    parameters,
    noEcho: [],
    capabilities,
    tags,
    disableRollback: false,
    terminationProtection: false,
    outputs: [],
    resources: {},
    eventSeq: 0,
  };
}

function applyTemplate(stack: StackRecord, p: Prepared, capabilities: string[], tags: StackRecord['tags']): void {
  stack.templateBody = p.body;
  stack.parameters = p.parameters;
  stack.noEcho = Object.entries(p.template.parameters).filter(([, d]) => d.NoEcho).map(([k]) => k);
  stack.capabilities = capabilities;
  stack.tags = tags;
  if (p.template.description !== undefined) stack.description = p.template.description;
  else delete stack.description;
}

function previousOf(stack: StackRecord): NonNullable<StackRecord['operation']>['previous'] {
  return {
    templateBody: stack.templateBody,
    parameters: stack.parameters,
    outputs: stack.outputs,
    capabilities: stack.capabilities,
    tags: stack.tags,
    ...(stack.description !== undefined ? { description: stack.description } : {}),
  };
}

function assertUpdatable(stack: StackRecord): void {
  if (!UPDATABLE.includes(stack.status)) throw validation(`Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`);
}

const noChanges = (stack: StackRecord, p: Prepared, tags: StackRecord['tags'], changes: unknown[]) =>
  changes.length === 0 && stack.templateBody === p.body && JSON.stringify(stack.parameters) === JSON.stringify(p.parameters) && JSON.stringify(stack.tags) === JSON.stringify(tags);

// ------------------------------------------------------------------ shapes

function parameterShapes(stack: Pick<StackRecord, 'parameters' | 'noEcho'>): Shape[] {
  return Object.entries(stack.parameters).map(([ParameterKey, v]) => ({ ParameterKey, ParameterValue: stack.noEcho.includes(ParameterKey) ? '****' : v }));
}

function stackShape(s: StackRecord): Shape {
  return {
    StackId: s.stackId,
    StackName: s.stackName,
    ...(s.changeSetId ? { ChangeSetId: s.changeSetId } : {}),
    ...(s.description !== undefined ? { Description: s.description } : {}),
    Parameters: parameterShapes(s),
    CreationTime: iso(s.createdAt),
    DeletionTime: iso(s.deletedAt),
    LastUpdatedTime: iso(s.updatedAt),
    RollbackConfiguration: {},
    StackStatus: s.status,
    StackStatusReason: s.statusReason,
    DisableRollback: s.disableRollback,
    NotificationARNs: [],
    Capabilities: s.capabilities,
    Outputs: s.outputs.map((o) => ({ ...o }) as Shape),
    Tags: s.tags.map((t) => ({ ...t })),
    EnableTerminationProtection: s.terminationProtection,
    DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
  };
}

function resourceShape(s: StackRecord, r: StackResourceState, detail: boolean): Shape {
  return {
    StackName: s.stackName,
    StackId: s.stackId,
    LogicalResourceId: r.logicalId,
    PhysicalResourceId: r.physicalId,
    ResourceType: r.type,
    [detail ? 'LastUpdatedTimestamp' : 'Timestamp']: iso(r.updatedAt),
    ResourceStatus: r.status,
    ResourceStatusReason: r.statusReason,
    DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
  };
}

function changeSetShape(c: ChangeSetRecord): Shape {
  return {
    ChangeSetName: c.changeSetName,
    ChangeSetId: c.changeSetId,
    StackId: c.stackId,
    StackName: c.stackName,
    Description: c.description,
    Parameters: Object.entries(c.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
    CreationTime: iso(c.createdAt),
    ExecutionStatus: c.executionStatus,
    Status: c.status,
    StatusReason: c.statusReason,
    NotificationARNs: [],
    RollbackConfiguration: {},
    Capabilities: c.capabilities,
    Tags: c.tags.map((t) => ({ ...t })),
    Changes: c.changes.map((r) => ({ Type: 'Resource', ResourceChange: { ...r, Details: r.Details.map((d) => ({ ...d, Target: { ...d.Target } })) } as unknown as Shape })),
    IncludeNestedStacks: false,
  };
}

function summaryShape(c: ChangeSetRecord): Shape {
  return {
    StackId: c.stackId,
    StackName: c.stackName,
    ChangeSetId: c.changeSetId,
    ChangeSetName: c.changeSetName,
    ExecutionStatus: c.executionStatus,
    Status: c.status,
    StatusReason: c.statusReason,
    CreationTime: iso(c.createdAt),
    Description: c.description,
    IncludeNestedStacks: false,
  };
}

// ------------------------------------------------------------------ stacks

async function createStack(ctx: CfnContext, input: Input): Promise<Shape> {
  const name = readStackName(input);
  if (name.startsWith('arn:')) throw validation(`Stack name ${name.slice(0, 200)} is not valid: a stack ID names an existing stack`);
  await allow(ctx, 'CreateStack', stackArnPattern(ctx, name));
  const body = readTemplate(input, true)!;
  const existing = await ctx.tx.getLiveStackByName(ctx.caller.accountId, name);
  if (existing) throw new AwsError('AlreadyExistsException', 400, `Stack [${name}] already exists`);
  const p = await prepare(ctx, input, undefined, body);
  const capabilities = input.stringList('Capabilities');
  const tags = readTags(input);
  const stack = newStackRecord(ctx, name, 'CREATE_IN_PROGRESS', body, {}, capabilities, tags);
  applyTemplate(stack, p, capabilities, tags);
  const onFailure = input.string('OnFailure');
  if (onFailure !== undefined && !['DO_NOTHING', 'ROLLBACK', 'DELETE'].includes(onFailure)) throw validation(`1 validation error detected: Value '${onFailure.slice(0, 40)}' at 'onFailure' failed to satisfy constraint: Member must satisfy enum value set: [DO_NOTHING, ROLLBACK, DELETE]`);
  stack.disableRollback = input.bool('DisableRollback') === true || onFailure === 'DO_NOTHING';
  stack.terminationProtection = input.bool('EnableTerminationProtection') === true;
  stack.operation = newOperation('CREATE', ctx.caller, ctx.now, { disableRollback: stack.disableRollback });
  await ctx.tx.insertStack(stack);
  await stackEvent(ctx.tx, stack, ctx.now, 'CREATE_IN_PROGRESS', 'User Initiated');
  await ctx.tx.updateStack(stack);
  ctx.audit.resource = stack.stackId;
  ctx.audit.after = { stackName: name, resources: Object.keys(p.template.resources) };
  ctx.started.push(stack.stackId);
  return { StackId: stack.stackId };
}

async function updateStack(ctx: CfnContext, input: Input): Promise<Shape> {
  const stack = await mustFindStack(ctx, readStackName(input), 'UpdateStack');
  assertUpdatable(stack);
  const previous = input.bool('UsePreviousTemplate') === true;
  const body = previous ? stack.templateBody : readTemplate(input, true)!;
  if (previous && input.has('TemplateBody')) throw validation('You cannot specify both usePreviousTemplate and Template Body');
  const p = await prepare(ctx, input, stack, body);
  const tags = input.has('Tags') ? readTags(input) : stack.tags;
  const changes = planChanges(p.template, await stackContext(ctx.tx, { ...stack, parameters: p.parameters }, p.template), stack.resources);
  if (noChanges(stack, p, tags, changes)) throw validation('No updates are to be performed.');
  await startUpdate(ctx, stack, p, input.stringList('Capabilities'), tags, input.bool('DisableRollback') === true);
  return { StackId: stack.stackId };
}

async function startUpdate(ctx: CfnContext, stack: StackRecord, p: Prepared, capabilities: string[], tags: StackRecord['tags'], disableRollback: boolean, changeSetId?: string): Promise<void> {
  stack.operation = newOperation('UPDATE', ctx.caller, ctx.now, { disableRollback, previous: previousOf(stack), ...(changeSetId ? { changeSetId } : {}) });
  applyTemplate(stack, p, capabilities, tags);
  stack.updatedAt = ctx.now;
  stack.disableRollback = disableRollback;
  if (changeSetId) stack.changeSetId = changeSetId;
  else delete stack.changeSetId;
  await stackEvent(ctx.tx, stack, ctx.now, 'UPDATE_IN_PROGRESS', 'User Initiated');
  await ctx.tx.updateStack(stack);
  ctx.audit.after = { stackName: stack.stackName };
  ctx.started.push(stack.stackId);
}

async function deleteStack(ctx: CfnContext, input: Input): Promise<undefined> {
  const name = readStackName(input);
  await allow(ctx, 'DeleteStack', name.startsWith('arn:') ? name : stackArnPattern(ctx, name));
  const stack = await findStack(ctx, name);
  // Deleting a stack that does not exist (or is gone) succeeds, as in CloudFormation.
  if (!stack || stack.status === 'DELETE_COMPLETE' || stack.status === 'DELETE_IN_PROGRESS') return undefined;
  ctx.audit.resource = stack.stackId;
  if (stack.terminationProtection) throw validation(`Stack [${stack.stackName}] cannot be deleted while TerminationProtection is enabled`);
  if (stack.status.endsWith('_IN_PROGRESS') && stack.status !== 'REVIEW_IN_PROGRESS') throw validation(`Stack [${stack.stackName}] cannot be deleted while in status ${stack.status}`);
  const retain = input.stringList('RetainResources');
  if (retain.length && stack.status !== 'DELETE_FAILED') throw validation(`Invalid operation on stack [${stack.stackId}]. RetainResources can only be specified when the stack is in the DELETE_FAILED state`);
  const mine = (await ctx.tx.listExports(stack.accountId)).filter((e) => e.stackId === stack.stackId);
  for (const other of await ctx.tx.listStacks(stack.accountId, { includeDeleted: false, limit: 10_000 })) {
    const used = mine.find((e) => other.stackId !== stack.stackId && other.imports?.includes(e.name));
    if (used) throw validation(`Export ${used.name} cannot be deleted as it is in use by ${other.stackName}`);
  }
  if (stack.status === 'REVIEW_IN_PROGRESS') {
    await ctx.tx.deleteChangeSetsOf(stack.stackId);
    stack.deletedAt = ctx.now;
    await stackEvent(ctx.tx, stack, ctx.now, 'DELETE_COMPLETE');
    await ctx.tx.updateStack(stack);
    return undefined;
  }
  stack.operation = newOperation('DELETE', ctx.caller, ctx.now, { retain });
  stack.operation.steps = deleteSteps(stack, retain);
  stack.operation.cursor = 0;
  await stackEvent(ctx.tx, stack, ctx.now, 'DELETE_IN_PROGRESS', 'User Initiated');
  await ctx.tx.updateStack(stack);
  ctx.started.push(stack.stackId);
  return undefined;
}

async function describeStacks(ctx: CfnContext, input: Input): Promise<Shape> {
  const name = input.has('StackName') ? readStackName(input) : undefined;
  if (name !== undefined) return { Stacks: [stackShape(await mustFindStack(ctx, name, 'DescribeStacks'))] };
  await allow(ctx, 'DescribeStacks', '*');
  const stacks = await ctx.tx.listStacks(ctx.caller.accountId, { includeDeleted: false, limit: 1000 });
  return { Stacks: stacks.map(stackShape) };
}

async function listStacks(ctx: CfnContext, input: Input): Promise<Shape> {
  await allow(ctx, 'ListStacks', '*');
  const filter = input.stringList('StackStatusFilter');
  const stacks = await ctx.tx.listStacks(ctx.caller.accountId, { includeDeleted: true, limit: 1000 });
  return {
    StackSummaries: stacks
      .filter((s) => filter.length === 0 || filter.includes(s.status))
      .map((s) => ({
        StackId: s.stackId,
        StackName: s.stackName,
        TemplateDescription: s.description,
        CreationTime: iso(s.createdAt),
        LastUpdatedTime: iso(s.updatedAt),
        DeletionTime: iso(s.deletedAt),
        StackStatus: s.status,
        StackStatusReason: s.statusReason,
        DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
      })),
  };
}

const EVENTS_PER_PAGE = 100;

async function describeStackEvents(ctx: CfnContext, input: Input): Promise<Shape> {
  const stack = await mustFindStack(ctx, readStackName(input), 'DescribeStackEvents');
  const token = input.string('NextToken', { max: 100 });
  const before = token === undefined ? undefined : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (before !== undefined && !Number.isInteger(before)) throw validation('Invalid NextToken');
  const events = await ctx.tx.listStackEvents(stack.stackId, { limit: EVENTS_PER_PAGE + 1, ...(before !== undefined ? { beforeSeq: before } : {}) });
  const page = events.slice(0, EVENTS_PER_PAGE);
  return {
    StackEvents: page.map(({ seq: _seq, ...e }) => ({ ...e, Timestamp: iso(e.Timestamp) }) as Shape),
    NextToken: events.length > EVENTS_PER_PAGE ? Buffer.from(String(page[page.length - 1]!.seq)).toString('base64url') : undefined,
  };
}

const liveResources = (s: StackRecord) => Object.values(s.resources).filter((r) => s.status === 'DELETE_COMPLETE' || r.status !== 'DELETE_COMPLETE' || s.status === 'ROLLBACK_COMPLETE');

async function describeStackResource(ctx: CfnContext, input: Input): Promise<Shape> {
  const stack = await mustFindStack(ctx, readStackName(input), 'DescribeStackResource');
  const id = input.string('LogicalResourceId', { required: true, max: 255 });
  const r = stack.resources[id];
  if (!r) throw validation(`Resource ${id} does not exist for stack ${stack.stackName}`);
  return { StackResourceDetail: { ...resourceShape(stack, r, true), Metadata: '{}' } };
}

async function describeStackResources(ctx: CfnContext, input: Input): Promise<Shape> {
  const physical = input.string('PhysicalResourceId', { max: 2048 });
  let stack: StackRecord | undefined;
  if (input.has('StackName')) stack = await mustFindStack(ctx, readStackName(input), 'DescribeStackResources');
  else if (physical !== undefined) {
    await allow(ctx, 'DescribeStackResources', '*');
    stack = (await ctx.tx.listStacks(ctx.caller.accountId, { includeDeleted: false, limit: 10_000 })).find((s) => Object.values(s.resources).some((r) => r.physicalId === physical));
    if (!stack) throw validation(`Stack for ${physical} does not exist`);
  } else throw validation('Either StackName or PhysicalResourceId must be specified.');
  const logical = input.string('LogicalResourceId', { max: 255 });
  const rs = liveResources(stack).filter((r) => (logical === undefined || r.logicalId === logical) && (physical === undefined || r.physicalId === physical));
  return { StackResources: rs.map((r) => resourceShape(stack, r, false)) };
}

async function listStackResources(ctx: CfnContext, input: Input): Promise<Shape> {
  const stack = await mustFindStack(ctx, readStackName(input), 'ListStackResources');
  return {
    StackResourceSummaries: liveResources(stack).map((r) => ({
      LogicalResourceId: r.logicalId,
      PhysicalResourceId: r.physicalId,
      ResourceType: r.type,
      LastUpdatedTimestamp: iso(r.updatedAt),
      ResourceStatus: r.status,
      ResourceStatusReason: r.statusReason,
      DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
    })),
  };
}

async function getTemplate(ctx: CfnContext, input: Input): Promise<Shape> {
  const csName = input.string('ChangeSetName', { max: 1600 });
  if (csName !== undefined) {
    const cs = await findChangeSet(ctx, input, 'GetTemplate');
    return { TemplateBody: cs.templateBody, StagesAvailable: ['Original', 'Processed'] };
  }
  const stack = await mustFindStack(ctx, readStackName(input), 'GetTemplate');
  return { TemplateBody: stack.templateBody, StagesAvailable: ['Original', 'Processed'] };
}

function parameterDeclarations(t: Template, summary: boolean): Shape[] {
  return Object.entries(t.parameters).map(([k, d]) => ({
    ParameterKey: k,
    DefaultValue: d.Default,
    ...(summary ? { ParameterType: d.Type } : {}),
    NoEcho: d.NoEcho === true,
    Description: d.Description,
    ...(summary ? { ParameterConstraints: d.AllowedValues ? { AllowedValues: d.AllowedValues } : {} } : {}),
  }));
}

async function validateTemplate(ctx: CfnContext, input: Input): Promise<Shape> {
  await allow(ctx, 'ValidateTemplate', '*');
  const t = loadTemplate(readTemplate(input, true)!);
  const caps = requiredCapabilities(t);
  return { Parameters: parameterDeclarations(t, false), Description: t.description, Capabilities: caps.capabilities, CapabilitiesReason: caps.reason, DeclaredTransforms: [] };
}

async function getTemplateSummary(ctx: CfnContext, input: Input): Promise<Shape> {
  let body = readTemplate(input, false);
  if (body === undefined) {
    if (!input.has('StackName')) throw validation('Either Template URL or Template Body or StackName must be specified.');
    body = (await mustFindStack(ctx, readStackName(input), 'GetTemplateSummary')).templateBody;
  } else await allow(ctx, 'GetTemplateSummary', '*');
  const t = loadTemplate(body);
  const caps = requiredCapabilities(t);
  const types = [...new Set(Object.values(t.resources).map((r) => r.Type))];
  return {
    Parameters: parameterDeclarations(t, true),
    Description: t.description,
    Capabilities: caps.capabilities,
    CapabilitiesReason: caps.reason,
    ResourceTypes: types,
    Version: '2010-09-09',
    DeclaredTransforms: [],
    ResourceIdentifierSummaries: types.map((type) => ({
      ResourceType: type,
      LogicalResourceIds: Object.entries(t.resources).filter(([, r]) => r.Type === type).map(([id]) => id),
      ResourceIdentifiers: (RESOURCE_TYPES[type]?.ref ?? '').split('|').filter((x) => /^[A-Z]/.test(x)),
    })),
  };
}

async function updateTerminationProtection(ctx: CfnContext, input: Input): Promise<Shape> {
  const stack = await mustFindStack(ctx, readStackName(input), 'UpdateTerminationProtection');
  const on = input.bool('EnableTerminationProtection');
  if (on === undefined) throw validation("1 validation error detected: Value null at 'enableTerminationProtection' failed to satisfy constraint: Member must not be null");
  if (stack.status === 'DELETE_COMPLETE') throw validation(`Stack with id ${stack.stackId} does not exist`);
  ctx.audit.before = { terminationProtection: stack.terminationProtection };
  ctx.audit.after = { terminationProtection: on };
  stack.terminationProtection = on;
  await ctx.tx.updateStack(stack);
  return { StackId: stack.stackId };
}

async function listExports(ctx: CfnContext): Promise<Shape> {
  await allow(ctx, 'ListExports', '*');
  return { Exports: (await ctx.tx.listExports(ctx.caller.accountId)).map((e) => ({ ExportingStackId: e.stackId, Name: e.name, Value: e.value })) };
}

async function listImports(ctx: CfnContext, input: Input): Promise<Shape> {
  await allow(ctx, 'ListImports', '*');
  const name = input.string('ExportName', { required: true, max: 255 });
  if (!(await ctx.tx.getExport(ctx.caller.accountId, name))) throw validation(`Export '${name}' does not exist.`);
  const stacks = await ctx.tx.listStacks(ctx.caller.accountId, { includeDeleted: false, limit: 10_000 });
  return { Imports: stacks.filter((s) => s.imports?.includes(name)).map((s) => s.stackName) };
}

// ------------------------------------------------------------------ change sets

const CHANGE_SET_NAME = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;
const NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set.";

async function createChangeSet(ctx: CfnContext, input: Input): Promise<Shape> {
  const stackName = readStackName(input);
  const csName = input.string('ChangeSetName', { required: true, max: 128 });
  if (!CHANGE_SET_NAME.test(csName)) throw validation(`1 validation error detected: Value '${csName.slice(0, 128)}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`);
  const type = input.string('ChangeSetType') ?? 'UPDATE';
  if (type === 'IMPORT') throw validation('Entryway does not import existing resources into stacks (ChangeSetType IMPORT).');
  if (type !== 'CREATE' && type !== 'UPDATE') throw validation(`1 validation error detected: Value '${type.slice(0, 40)}' at 'changeSetType' failed to satisfy constraint: Member must satisfy enum value set: [CREATE, UPDATE, IMPORT]`);
  await allow(ctx, 'CreateChangeSet', stackName.startsWith('arn:') ? stackName : stackArnPattern(ctx, stackName));
  let stack = await findStack(ctx, stackName);
  if (type === 'UPDATE') {
    if (!stack || stack.status === 'REVIEW_IN_PROGRESS') throw validation(`Stack [${stackName}] does not exist`);
    assertUpdatable(stack);
  } else if (stack && stack.status !== 'REVIEW_IN_PROGRESS') {
    throw validation(`Stack [${stackName}] already exists and cannot be created again with the changeSet [${csName}].`);
  }
  const usePrevious = input.bool('UsePreviousTemplate') === true;
  if (usePrevious && type === 'CREATE') throw validation('UsePreviousTemplate cannot be used with ChangeSetType CREATE');
  const body = usePrevious ? stack!.templateBody : readTemplate(input, true)!;
  const p = await prepare(ctx, input, type === 'UPDATE' ? stack : undefined, body);
  const tags = input.has('Tags') ? readTags(input) : (stack?.tags ?? []);
  if (!stack) {
    stack = newStackRecord(ctx, stackName, 'REVIEW_IN_PROGRESS', '', {}, [], tags);
    await ctx.tx.insertStack(stack);
    await stackEvent(ctx.tx, stack, ctx.now, 'REVIEW_IN_PROGRESS', 'User Initiated');
    await ctx.tx.updateStack(stack);
  }
  if (await ctx.tx.getChangeSetByName(stack.stackId, csName)) throw new AwsError('AlreadyExistsException', 400, `ChangeSet [${csName}] already exists`);
  const planned = planChanges(p.template, await stackContext(ctx.tx, { ...stack, parameters: p.parameters }, p.template), type === 'UPDATE' ? stack.resources : {});
  const empty = type === 'UPDATE' && noChanges(stack, p, tags, planned);
  const cs: ChangeSetRecord = {
    changeSetId: `arn:${ctx.partition}:cloudformation:${ctx.region}:${ctx.caller.accountId}:changeSet/${csName}/${randomUUID()}`,
    changeSetName: csName,
    stackId: stack.stackId,
    stackName: stack.stackName,
    type,
    createdAt: ctx.now,
    status: empty ? 'FAILED' : 'CREATE_COMPLETE',
    ...(empty ? { statusReason: NO_CHANGES } : {}),
    executionStatus: empty ? 'UNAVAILABLE' : 'AVAILABLE',
    templateBody: body,
    parameters: p.parameters,
    capabilities: input.stringList('Capabilities'),
    tags,
    changes: planned.map((c) => c.record),
  };
  const description = input.string('Description', { max: 1024 });
  if (description !== undefined) cs.description = description;
  await ctx.tx.putChangeSet(cs);
  ctx.audit.resource = cs.changeSetId;
  ctx.audit.after = { changes: cs.changes.map((c) => `${c.Action} ${c.LogicalResourceId}`) };
  return { Id: cs.changeSetId, StackId: stack.stackId };
}

async function findChangeSet(ctx: CfnContext, input: Input, action: string): Promise<ChangeSetRecord> {
  const name = input.string('ChangeSetName', { required: true, max: 1600 });
  let cs: ChangeSetRecord | undefined;
  if (CHANGE_SET_ARN.test(name)) {
    cs = await ctx.tx.getChangeSet(name);
    if (cs && !cs.changeSetId.includes(`:${ctx.caller.accountId}:`)) cs = undefined;
  } else {
    if (!input.has('StackName')) throw validation('StackName must be specified if ChangeSetName is not specified as an ARN.');
    const stack = await findStack(ctx, readStackName(input));
    cs = stack ? await ctx.tx.getChangeSetByName(stack.stackId, name) : undefined;
  }
  await allow(ctx, action, cs ? `${cs.stackId.replace(/\/[^/]+$/, '')}/*` : '*');
  if (!cs) throw new AwsError('ChangeSetNotFoundException', 404, `ChangeSet [${name}] does not exist`);
  ctx.audit.resource = cs.changeSetId;
  return cs;
}

async function describeChangeSet(ctx: CfnContext, input: Input): Promise<Shape> {
  return changeSetShape(await findChangeSet(ctx, input, 'DescribeChangeSet'));
}

async function listChangeSets(ctx: CfnContext, input: Input): Promise<Shape> {
  const stack = await mustFindStack(ctx, readStackName(input), 'ListChangeSets');
  return { Summaries: (await ctx.tx.listChangeSets(stack.stackId)).map(summaryShape) };
}

async function executeChangeSet(ctx: CfnContext, input: Input): Promise<Shape> {
  const cs = await findChangeSet(ctx, input, 'ExecuteChangeSet');
  if (cs.status !== 'CREATE_COMPLETE' || cs.executionStatus !== 'AVAILABLE') {
    throw new AwsError('InvalidChangeSetStatusException', 400, `ChangeSet [${cs.changeSetId}] cannot be executed in its current status of [${cs.status}]`);
  }
  const stack = (await ctx.tx.getStack(cs.stackId, { forUpdate: true }))!;
  const template = loadTemplate(cs.templateBody);
  const p: Prepared = { template, body: cs.templateBody, parameters: cs.parameters };
  const disableRollback = input.bool('DisableRollback') === true;
  if (cs.type === 'CREATE') {
    if (stack.status !== 'REVIEW_IN_PROGRESS') throw new AwsError('InvalidChangeSetStatusException', 400, `ChangeSet [${cs.changeSetId}] cannot be executed in its current status of [${cs.status}]`);
    applyTemplate(stack, p, cs.capabilities, cs.tags);
    stack.disableRollback = disableRollback;
    stack.changeSetId = cs.changeSetId;
    stack.operation = newOperation('CREATE', ctx.caller, ctx.now, { disableRollback, changeSetId: cs.changeSetId });
    await stackEvent(ctx.tx, stack, ctx.now, 'CREATE_IN_PROGRESS', 'User Initiated');
    await ctx.tx.updateStack(stack);
    ctx.started.push(stack.stackId);
  } else {
    assertUpdatable(stack);
    await startUpdate(ctx, stack, p, cs.capabilities, cs.tags, disableRollback, cs.changeSetId);
  }
  // The other change sets described a stack that is about to change: CloudFormation removes them.
  for (const other of await ctx.tx.listChangeSets(stack.stackId)) if (other.changeSetId !== cs.changeSetId) await ctx.tx.deleteChangeSet(other.changeSetId);
  await ctx.tx.putChangeSet({ ...cs, executionStatus: 'EXECUTE_IN_PROGRESS' });
  return {};
}

async function deleteChangeSet(ctx: CfnContext, input: Input): Promise<Shape> {
  const cs = await findChangeSet(ctx, input, 'DeleteChangeSet');
  if (cs.executionStatus === 'EXECUTE_IN_PROGRESS') throw new AwsError('InvalidChangeSetStatusException', 400, `ChangeSet [${cs.changeSetId}] cannot be deleted in its current status of [${cs.executionStatus}]`);
  await ctx.tx.deleteChangeSet(cs.changeSetId);
  return {};
}

const OPERATIONS: ReadonlyMap<string, CfnOperation> = new Map(
  (
    [
      ['CreateStack', createStack, false],
      ['UpdateStack', updateStack, false],
      ['DeleteStack', deleteStack, false],
      ['DescribeStacks', describeStacks, true],
      ['ListStacks', listStacks, true],
      ['DescribeStackEvents', describeStackEvents, true],
      ['DescribeStackResource', describeStackResource, true],
      ['DescribeStackResources', describeStackResources, true],
      ['ListStackResources', listStackResources, true],
      ['GetTemplate', getTemplate, true],
      ['ValidateTemplate', validateTemplate, true],
      ['GetTemplateSummary', getTemplateSummary, true],
      ['CreateChangeSet', createChangeSet, false],
      ['DescribeChangeSet', describeChangeSet, true],
      ['ListChangeSets', listChangeSets, true],
      ['ExecuteChangeSet', executeChangeSet, false],
      ['DeleteChangeSet', deleteChangeSet, false],
      ['UpdateTerminationProtection', updateTerminationProtection, false],
      ['ListExports', listExports, true],
      ['ListImports', listImports, true],
    ] as Array<[string, CfnOperation['run'], boolean]>
  ).map(([name, run, readOnly]) => [name, { name, run, readOnly }]),
);

export const findCfnOperation = (action: string): CfnOperation | undefined => OPERATIONS.get(action);
export const listCfnOperations = (): CfnOperation[] => [...OPERATIONS.values()];

