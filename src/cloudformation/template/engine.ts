/**
 * The template engine: structure checks, parameters, conditions, mappings, dependency order with
 * cycle detection, and the intrinsic functions. Pure: resources' `Ref` values, attributes and
 * other stacks' exports come in through `EvalContext`, so the same code validates a template,
 * computes a change set (where a resource not made yet is "known after deploy") and resolves a
 * resource's properties just before it is created.
 *
 * Messages follow CloudFormation's wording where it is known ("Template format error: Unresolved
 * resource dependencies [X] in the Resources block of the template", "Circular dependency between
 * resources: [A, B]", "Parameters: [X] must have values", …).
 */
import { RESOURCE_TYPES } from '../resource-types.js';
import { templateError } from './errors.js';
import type { Json, JsonObject } from './parse.js';
import { parseTemplateBody } from './parse.js';

export type { Json, JsonObject };

export interface ParameterDecl {
  Type: string;
  Default?: string;
  AllowedValues?: string[];
  AllowedPattern?: string;
  MinLength?: number;
  MaxLength?: number;
  MinValue?: number;
  MaxValue?: number;
  NoEcho?: boolean;
  Description?: string;
  ConstraintDescription?: string;
}

export interface ResourceDecl {
  Type: string;
  Properties: JsonObject;
  DependsOn: string[];
  Condition?: string;
  DeletionPolicy: 'Delete' | 'Retain' | 'Snapshot';
  UpdateReplacePolicy: 'Delete' | 'Retain' | 'Snapshot';
}

export interface OutputDecl {
  Value: Json;
  Description?: Json;
  ExportName?: Json;
  Condition?: string;
}

export interface Template {
  body: JsonObject;
  description?: string;
  parameters: Record<string, ParameterDecl>;
  mappings: Record<string, Record<string, Record<string, Json>>>;
  conditions: Record<string, Json>;
  resources: Record<string, ResourceDecl>;
  outputs: Record<string, OutputDecl>;
}

/** The intrinsic functions templates may use (and their `!Short` forms in YAML). */
export const SUPPORTED_INTRINSICS = ['Ref', 'Condition', 'Fn::GetAtt', 'Fn::Sub', 'Fn::Join', 'Fn::Select', 'Fn::Split', 'Fn::If', 'Fn::Equals', 'Fn::Not', 'Fn::And', 'Fn::Or', 'Fn::FindInMap', 'Fn::Base64', 'Fn::ImportValue', 'Fn::GetAZs'] as const;

export const PSEUDO_PARAMETERS = ['AWS::AccountId', 'AWS::Region', 'AWS::StackName', 'AWS::StackId', 'AWS::Partition', 'AWS::URLSuffix', 'AWS::NoValue', 'AWS::NotificationARNs'] as const;

const TOP_LEVEL = new Set(['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Rules', 'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs', 'Hooks']);
const RESOURCE_KEYS = new Set(['Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'Metadata', 'CreationPolicy', 'UpdatePolicy']);
const PARAMETER_TYPES = /^(String|Number|CommaDelimitedList|List<Number>|List<String>|AWS::EC2::[A-Za-z0-9:]+|List<AWS::EC2::[A-Za-z0-9:]+>)$/;
const LOGICAL_ID = /^[A-Za-z0-9]{1,255}$/;
const MAX_RESOURCES = 500;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (names: Iterable<string>) => `[${[...names].join(', ')}]`;

/** Marks a value that is only known once another resource exists ("known after deploy"). */
const UNKNOWN = '\u0000unknown\u0000';
export const unknownValue = (what: string): string => `${UNKNOWN}${what}${UNKNOWN}`;
export const isKnown = (v: Json): boolean => !JSON.stringify(v).includes('\\u0000unknown');

function asString(v: Json | undefined, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw templateError(`Template format error: ${what} must be a String`);
}

// ------------------------------------------------------------------ loading and structure

/** Parses and checks a template: structure, references, attributes, conditions and cycles. */
export function loadTemplate(text: string): Template {
  return checkTemplate(parseTemplateBody(text));
}

export function checkTemplate(body: JsonObject): Template {
  const unknown = Object.keys(body).filter((k) => !TOP_LEVEL.has(k));
  if (unknown.length) throw templateError(`Template format error: Invalid template property or properties ${list(unknown)}`);
  if (body.AWSTemplateFormatVersion !== undefined && String(body.AWSTemplateFormatVersion as string) !== '2010-09-09') {
    throw templateError(`Template format error: '${String(body.AWSTemplateFormatVersion as string).slice(0, 40)}' is not a supported AWSTemplateFormatVersion value.`);
  }
  if (body.Transform !== undefined) throw templateError('Template format error: Transform is not supported by Entryway (no macros or AWS::Serverless).');
  if (body.Description !== undefined && typeof body.Description !== 'string') throw templateError('Template format error: Every Description member must be a string.');

  const parameters = checkParameters(body.Parameters);
  const mappings = checkMappings(body.Mappings);
  if (body.Conditions !== undefined && !isObject(body.Conditions)) throw templateError('Template format error: Every Conditions member must be an object.');
  const conditions = (body.Conditions ?? {}) as Record<string, Json>;
  if (!isObject(body.Resources) || Object.keys(body.Resources).length === 0) throw templateError('Template format error: At least one Resources member must be defined.');
  const resources = checkResources(body.Resources, conditions);
  const outputs = checkOutputs(body.Outputs, conditions);
  const t: Template = { body, parameters, mappings, conditions, resources, outputs, ...(typeof body.Description === 'string' ? { description: body.Description } : {}) };
  checkReferences(t);
  dependencyOrder(t, Object.keys(resources));
  return t;
}

function checkParameters(v: Json | undefined): Record<string, ParameterDecl> {
  if (v === undefined) return {};
  if (!isObject(v)) throw templateError('Template format error: Parameters must be an object.');
  const out: Record<string, ParameterDecl> = {};
  for (const [name, d] of Object.entries(v)) {
    if (!LOGICAL_ID.test(name)) throw templateError(`Template format error: Parameter name ${name.slice(0, 64)} is non alphanumeric.`);
    if (!isObject(d) || typeof d.Type !== 'string') throw templateError(`Template format error: Every Parameters object must contain a Type member.`);
    if (!PARAMETER_TYPES.test(d.Type)) throw templateError(`Template format error: Unrecognized parameter type: ${d.Type.slice(0, 80)}`);
    const decl: ParameterDecl = { Type: d.Type };
    const def = asString(d.Default, `Default of parameter ${name}`);
    if (def !== undefined) decl.Default = def;
    if (d.AllowedValues !== undefined) {
      if (!Array.isArray(d.AllowedValues)) throw templateError(`Template format error: AllowedValues of parameter ${name} must be a list`);
      decl.AllowedValues = d.AllowedValues.map((x) => asString(x, `AllowedValues of parameter ${name}`) ?? '');
    }
    if (d.AllowedPattern !== undefined) decl.AllowedPattern = asString(d.AllowedPattern, 'AllowedPattern') as string;
    for (const k of ['MinLength', 'MaxLength', 'MinValue', 'MaxValue'] as const) {
      if (d[k] !== undefined) {
        const n = Number(d[k]);
        if (!Number.isFinite(n)) throw templateError(`Template format error: ${k} of parameter ${name} must be a number`);
        decl[k] = n;
      }
    }
    if (d.NoEcho !== undefined) decl.NoEcho = d.NoEcho === true || d.NoEcho === 'true';
    if (typeof d.Description === 'string') decl.Description = d.Description;
    if (typeof d.ConstraintDescription === 'string') decl.ConstraintDescription = d.ConstraintDescription;
    out[name] = decl;
  }
  return out;
}

function checkMappings(v: Json | undefined): Template['mappings'] {
  if (v === undefined) return {};
  if (!isObject(v)) throw templateError('Template format error: Mappings must be an object.');
  for (const [name, m] of Object.entries(v)) {
    if (!isObject(m) || !Object.values(m).every(isObject)) throw templateError(`Template format error: Mapping ${name} must be a map of maps.`);
  }
  return v as Template['mappings'];
}

function checkResources(v: JsonObject, conditions: Record<string, Json>): Record<string, ResourceDecl> {
  const out: Record<string, ResourceDecl> = {};
  const unsupported = new Set<string>();
  if (Object.keys(v).length > MAX_RESOURCES) throw templateError(`Template format error: Number of resources, ${Object.keys(v).length}, is greater than maximum allowed, ${MAX_RESOURCES}`);
  for (const [id, r] of Object.entries(v)) {
    if (!LOGICAL_ID.test(id)) throw templateError(`Template format error: Resource name ${id.slice(0, 64)} is non alphanumeric.`);
    if (!isObject(r) || typeof r.Type !== 'string') throw templateError(`Template format error: [/Resources/${id}] Every Resources object must contain a Type member.`);
    const bad = Object.keys(r).filter((k) => !RESOURCE_KEYS.has(k));
    if (bad.length) throw templateError(`Template format error: Unrecognized resource attribute ${list(bad)} in resource ${id}`);
    const spec = RESOURCE_TYPES[r.Type];
    if (!spec) {
      unsupported.add(r.Type);
      continue;
    }
    if (r.Properties !== undefined && !isObject(r.Properties)) throw templateError(`Template format error: [/Resources/${id}/Properties] Properties must be an object.`);
    const props = (r.Properties ?? {}) as JsonObject;
    const extra = Object.keys(props).filter((k) => !spec.properties.includes(k));
    if (extra.length) throw templateError(`Template format error: [/Resources/${id}/Properties] Encountered unsupported properties in ${r.Type}: ${list(extra)}`);
    const dependsOn = r.DependsOn === undefined ? [] : Array.isArray(r.DependsOn) ? r.DependsOn : [r.DependsOn];
    if (!dependsOn.every((d) => typeof d === 'string')) throw templateError(`Template format error: DependsOn of resource ${id} must be a string or a list of strings.`);
    const policy = (k: 'DeletionPolicy' | 'UpdateReplacePolicy'): ResourceDecl['DeletionPolicy'] => {
      const p = r[k] ?? 'Delete';
      if (p !== 'Delete' && p !== 'Retain' && p !== 'Snapshot') throw templateError(`Template format error: Unrecognized ${k} ${String(p as string).slice(0, 40)} for resource ${id}`);
      return p;
    };
    const decl: ResourceDecl = { Type: r.Type, Properties: props, DependsOn: dependsOn as string[], DeletionPolicy: policy('DeletionPolicy'), UpdateReplacePolicy: policy('UpdateReplacePolicy') };
    if (r.Condition !== undefined) {
      if (typeof r.Condition !== 'string' || !(r.Condition in conditions)) throw templateError(`Template format error: Unresolved dependencies [${String(r.Condition as string)}]. Cannot reference resources in the Conditions block of the template`);
      decl.Condition = r.Condition;
    }
    out[id] = decl;
  }
  if (unsupported.size) throw templateError(`Template format error: Unrecognized resource types: ${list(unsupported)}`);
  return out;
}

function checkOutputs(v: Json | undefined, conditions: Record<string, Json>): Record<string, OutputDecl> {
  if (v === undefined) return {};
  if (!isObject(v)) throw templateError('Template format error: Outputs must be an object.');
  const out: Record<string, OutputDecl> = {};
  for (const [id, o] of Object.entries(v)) {
    if (!LOGICAL_ID.test(id)) throw templateError(`Template format error: Output name ${id.slice(0, 64)} is non alphanumeric.`);
    if (!isObject(o) || o.Value === undefined) throw templateError(`Template format error: Every Outputs member must contain a Value object, the Outputs member ${id} is missing its Value.`);
    const decl: OutputDecl = { Value: o.Value };
    if (o.Description !== undefined) decl.Description = o.Description;
    if (o.Export !== undefined) {
      if (!isObject(o.Export) || o.Export.Name === undefined) throw templateError(`Template format error: Output ${id} is malformed. The Name field of every Export member must be specified.`);
      decl.ExportName = o.Export.Name;
    }
    if (o.Condition !== undefined) {
      if (typeof o.Condition !== 'string' || !(o.Condition in conditions)) throw templateError(`Template format error: Unresolved condition dependencies [${String(o.Condition as string)}] in the Outputs block of the template`);
      decl.Condition = o.Condition;
    }
    out[id] = decl;
  }
  return out;
}

// ------------------------------------------------------------------ references and dependencies

interface Refs {
  refs: Set<string>;
  getAtts: Array<[string, string]>;
  conditions: Set<string>;
}

/** Every name a value refers to (all branches of Fn::If: dependencies are static in CloudFormation). */
function collectRefs(v: Json, out: Refs = { refs: new Set(), getAtts: [], conditions: new Set() }): Refs {
  if (Array.isArray(v)) {
    for (const x of v) collectRefs(x, out);
    return out;
  }
  if (!isObject(v)) return out;
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const [k] = keys as [string];
    const arg = v[k] as Json;
    if (k === 'Ref' && typeof arg === 'string') {
      out.refs.add(arg);
      return out;
    }
    if (k === 'Condition' && typeof arg === 'string') {
      out.conditions.add(arg);
      return out;
    }
    if (k === 'Fn::GetAtt') {
      const [res, attr] = getAttArgs(arg);
      if (typeof res === 'string') out.getAtts.push([res, typeof attr === 'string' ? attr : '']);
      if (typeof attr !== 'string') collectRefs(attr as Json, out);
      return out;
    }
    if (k === 'Fn::If' && Array.isArray(arg) && typeof arg[0] === 'string') {
      out.conditions.add(arg[0]);
      for (const x of arg.slice(1)) collectRefs(x, out);
      return out;
    }
    if (k === 'Fn::Sub') {
      const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
      const local = isObject(vars) ? new Set(Object.keys(vars)) : new Set<string>();
      if (typeof text === 'string') {
        for (const name of subVariables(text)) {
          if (local.has(name)) continue;
          const dot = name.indexOf('.');
          if (dot > 0 && !name.startsWith('AWS::')) out.getAtts.push([name.slice(0, dot), name.slice(dot + 1)]);
          else out.refs.add(name);
        }
      }
      if (isObject(vars)) collectRefs(vars, out);
      return out;
    }
  }
  for (const x of Object.values(v)) collectRefs(x, out);
  return out;
}

function getAttArgs(arg: Json): [Json | undefined, Json | undefined] {
  if (typeof arg === 'string') {
    const dot = arg.indexOf('.');
    return dot < 0 ? [arg, undefined] : [arg.slice(0, dot), arg.slice(dot + 1)];
  }
  return Array.isArray(arg) ? [arg[0], arg[1]] : [undefined, undefined];
}

/** `${Name}` and `${Name.Attr}` in a Fn::Sub string; `${!Literal}` is text. */
function subVariables(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\$\{([^}]*)\}/g)) {
    const name = (m[1] as string).trim();
    if (!name.startsWith('!')) out.push(name);
  }
  return out;
}

function checkReferences(t: Template): void {
  const names = new Set<string>([...Object.keys(t.parameters), ...PSEUDO_PARAMETERS]);
  const resourceIds = new Set(Object.keys(t.resources));
  for (const r of Object.keys(t.resources)) if (names.has(r)) throw templateError(`Template format error: Resource and Parameter have the same logical ID: ${r}`);

  const unresolvedIn = (block: string, refs: Refs, allowResources: boolean) => {
    const missing = [...refs.refs].filter((n) => !names.has(n) && !(allowResources && resourceIds.has(n)));
    if (missing.length) {
      throw templateError(
        allowResources
          ? `Template format error: Unresolved resource dependencies ${list(missing)} in the ${block} block of the template`
          : `Template format error: Unresolved dependencies ${list(missing)}. Cannot reference resources in the ${block} block of the template`,
      );
    }
    for (const [res, attr] of refs.getAtts) {
      if (!allowResources) throw templateError(`Template format error: Fn::GetAtt is not supported in the ${block} block of the template`);
      const target = t.resources[res];
      if (!target) throw templateError(`Template error: instance of Fn::GetAtt references undefined resource ${res}`);
      if (!(RESOURCE_TYPES[target.Type]?.attributes ?? []).includes(attr)) throw templateError(`Template error: resource ${res} does not support attribute type ${attr} in Fn::GetAtt`);
    }
    const conds = [...refs.conditions].filter((c) => !(c in t.conditions));
    if (conds.length) throw templateError(`Template format error: Unresolved condition dependencies ${list(conds)} in the ${block} block of the template`);
  };

  for (const [id, c] of Object.entries(t.conditions)) {
    const refs = collectRefs(c);
    unresolvedIn('Conditions', refs, false);
    if (refs.conditions.has(id)) throw templateError(`Template error: Condition ${id} refers to itself`);
  }
  conditionOrder(t);
  for (const [id, r] of Object.entries(t.resources)) {
    unresolvedIn('Resources', collectRefs(r.Properties), true);
    const missing = r.DependsOn.filter((d) => !resourceIds.has(d));
    if (missing.length) throw templateError(`Template format error: Unresolved resource dependencies ${list(missing)} in the Resources block of the template`);
    if (r.DependsOn.includes(id)) throw templateError(`Circular dependency between resources: [${id}]`);
  }
  for (const o of Object.values(t.outputs)) {
    unresolvedIn('Outputs', collectRefs([o.Value, o.ExportName ?? null, o.Description ?? null]), true);
  }
}

/** Conditions may use other conditions, never in a loop. */
function conditionOrder(t: Template): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw templateError(`Template error: Circular dependency between conditions: ${list(path.slice(path.indexOf(id)))}`);
    state.set(id, 'visiting');
    for (const c of collectRefs(t.conditions[id] as Json).conditions) visit(c, [...path, c]);
    state.set(id, 'done');
  };
  for (const id of Object.keys(t.conditions)) visit(id, [id]);
}

/** The resources a resource depends on (Ref, GetAtt, Sub, DependsOn), among `ids`. */
export function dependenciesOf(t: Template, id: string, ids: ReadonlySet<string>): string[] {
  const r = t.resources[id] as ResourceDecl;
  const refs = collectRefs(r.Properties);
  const deps = new Set<string>([...refs.refs, ...refs.getAtts.map(([x]) => x), ...r.DependsOn]);
  return [...deps].filter((d) => ids.has(d) && d !== id).sort();
}

/**
 * `ids` in creation order (dependencies first; ties in template order). A cycle is a
 * ValidationError naming its members, as CloudFormation's "Circular dependency between resources".
 */
export function dependencyOrder(t: Template, ids: string[]): string[] {
  const set = new Set(ids);
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      const cycle = path.slice(path.indexOf(id));
      throw templateError(`Circular dependency between resources: ${list([...new Set(cycle)].sort())}`);
    }
    state.set(id, 'visiting');
    for (const d of dependenciesOf(t, id, set)) visit(d, [...path, d]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of ids) visit(id, [id]);
  return order;
}

// ------------------------------------------------------------------ parameters

export interface GivenParameter {
  ParameterKey: string;
  ParameterValue?: string;
  UsePreviousValue?: boolean;
}

/** A parameter's value as the template sees it: a string, or a list for list types. */
export type ParameterValue = string | string[];

const isListType = (type: string) => type === 'CommaDelimitedList' || type.startsWith('List<');

/**
 * The stack's parameter values (as given: strings) from what the call passed, the previous values
 * (UsePreviousValue) and the defaults; CloudFormation's errors for missing, unknown and invalid ones.
 */
export function resolveParameters(t: Template, given: GivenParameter[], previous: Record<string, string> = {}): Record<string, string> {
  const unknown = given.map((g) => g.ParameterKey).filter((k) => !(k in t.parameters));
  if (unknown.length) throw templateError(`Parameters: ${list(unknown)} do not exist in the template`);
  const out: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, d] of Object.entries(t.parameters)) {
    const g = given.find((x) => x.ParameterKey === name);
    let value: string | undefined;
    if (g?.UsePreviousValue) {
      value = previous[name];
      if (value === undefined) throw templateError(`Invalid input for parameter key ${name}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`);
    } else value = g?.ParameterValue ?? d.Default;
    if (value === undefined) {
      missing.push(name);
      continue;
    }
    checkParameterValue(name, d, value);
    out[name] = value;
  }
  if (missing.length) throw templateError(`Parameters: ${list(missing)} must have values`);
  return out;
}

function checkParameterValue(name: string, d: ParameterDecl, value: string): void {
  const violated = () => templateError(`Parameter '${name}' ${d.ConstraintDescription ? `failed to satisfy constraint: ${d.ConstraintDescription}` : 'must satisfy its constraints'}`);
  const items = isListType(d.Type) ? value.split(',') : [value];
  for (const item of items) {
    if (d.Type === 'Number' || d.Type === 'List<Number>') {
      if (item.trim() === '' || !Number.isFinite(Number(item))) throw templateError(`Parameter '${name}' must be a number.`);
      const n = Number(item);
      if (d.MinValue !== undefined && n < d.MinValue) throw d.ConstraintDescription ? violated() : templateError(`Parameter '${name}' must be a number not less than ${d.MinValue}`);
      if (d.MaxValue !== undefined && n > d.MaxValue) throw d.ConstraintDescription ? violated() : templateError(`Parameter '${name}' must be a number not greater than ${d.MaxValue}`);
    }
    if (d.AllowedValues && !d.AllowedValues.includes(item)) throw d.ConstraintDescription ? violated() : templateError(`Parameter '${name}' must be one of AllowedValues`);
  }
  if (d.AllowedPattern !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${d.AllowedPattern})$`, 'u');
    } catch {
      throw templateError(`Template format error: AllowedPattern of parameter ${name} is not a valid regular expression`);
    }
    if (!re.test(value)) throw d.ConstraintDescription ? violated() : templateError(`Parameter '${name}' failed to satisfy constraint: Malformed input-Parameter ${name} must match pattern ${d.AllowedPattern}`);
  }
  if (d.MinLength !== undefined && value.length < d.MinLength) throw d.ConstraintDescription ? violated() : templateError(`Parameter '${name}' must contain at least ${d.MinLength} characters`);
  if (d.MaxLength !== undefined && value.length > d.MaxLength) throw d.ConstraintDescription ? violated() : templateError(`Parameter '${name}' must contain at most ${d.MaxLength} characters`);
}

/** The typed value `Ref` gives: lists for list types. */
export function parameterValue(d: ParameterDecl, raw: string): ParameterValue {
  return isListType(d.Type) ? (raw === '' ? [] : raw.split(',')) : raw;
}

// ------------------------------------------------------------------ evaluation

export interface EvalContext {
  template: Template;
  /** Parameter values as given (strings). */
  parameters: Record<string, string>;
  /** AWS::AccountId, AWS::Region, AWS::StackName, AWS::StackId, AWS::Partition, AWS::URLSuffix. */
  pseudo: Record<string, string>;
  /** `Ref` of a resource (its physical ID, or unknownValue while it does not exist yet). */
  ref: (logicalId: string) => Json;
  getAtt: (logicalId: string, attribute: string) => Json;
  importValue: (name: string) => Json;
  /** Evaluated conditions (filled lazily). */
  conditionValues?: Map<string, boolean>;
}

/** Removes the key or list member: what `Ref: AWS::NoValue` evaluates to. */
const NO_VALUE = Symbol('AWS::NoValue');
type Evaluated = Json | typeof NO_VALUE;

export function evaluateCondition(ctx: EvalContext, name: string): boolean {
  const memo = (ctx.conditionValues ??= new Map());
  const known = memo.get(name);
  if (known !== undefined) return known;
  const body = ctx.template.conditions[name];
  if (body === undefined) throw templateError(`Template error: unresolved condition dependency ${name}`);
  const v = conditionValue(ctx, body, name);
  memo.set(name, v);
  return v;
}

function conditionValue(ctx: EvalContext, v: Json, where: string): boolean {
  if (isObject(v) && typeof v.Condition === 'string' && Object.keys(v).length === 1) return evaluateCondition(ctx, v.Condition);
  const r = evaluate(ctx, v);
  if (r === true || r === 'true') return true;
  if (r === false || r === 'false') return false;
  throw templateError(`Template error: every condition of ${where} must evaluate to true or false`);
}

/** Whether a resource (or output) is in the stack: its Condition holds, or it has none. */
export const included = (ctx: EvalContext, condition: string | undefined): boolean => condition === undefined || evaluateCondition(ctx, condition);

/** Evaluates every intrinsic function in `v`. `AWS::NoValue` removes the member it is in. */
export function evaluate(ctx: EvalContext, v: Json): Json {
  const r = ev(ctx, v, 0);
  return r === NO_VALUE ? null : r;
}

/** A resource's properties with everything evaluated (NoValue members removed). */
export function evaluateProperties(ctx: EvalContext, props: JsonObject): JsonObject {
  return evaluate(ctx, props) as JsonObject;
}

function fnArgs(name: string, arg: Json, count: number): Json[] {
  if (!Array.isArray(arg) || arg.length !== count) throw templateError(`Template error: ${name} requires a list of ${count} arguments`);
  return arg;
}

function stringOf(name: string, v: Json): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw templateError(`Template error: every argument of ${name} must be a string`);
}

function ev(ctx: EvalContext, v: Json, depth: number): Evaluated {
  if (depth > 64) throw templateError('Template error: the template is nested too deeply');
  if (Array.isArray(v)) {
    const out: Json[] = [];
    for (const x of v) {
      const r = ev(ctx, x, depth + 1);
      if (r !== NO_VALUE) out.push(r);
    }
    return out;
  }
  if (!isObject(v)) return v;
  const keys = Object.keys(v);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0]!.startsWith('Fn::'))) return intrinsic(ctx, keys[0]!, v[keys[0]!] as Json, depth);
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    const r = ev(ctx, x, depth + 1);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
}

function refValue(ctx: EvalContext, name: string): Evaluated {
  if (name === 'AWS::NoValue') return NO_VALUE;
  if (name === 'AWS::NotificationARNs') return [];
  if (name.startsWith('AWS::')) {
    const p = ctx.pseudo[name];
    if (p === undefined) throw templateError(`Template format error: Unresolved resource dependencies [${name}] in the Resources block of the template`);
    return p;
  }
  const d = ctx.template.parameters[name];
  if (d) return parameterValue(d, ctx.parameters[name] ?? '');
  if (ctx.template.resources[name]) return ctx.ref(name);
  throw templateError(`Template format error: Unresolved resource dependencies [${name}] in the Resources block of the template`);
}

function intrinsic(ctx: EvalContext, fn: string, arg: Json, depth: number): Evaluated {
  const e = (x: Json) => {
    const r = ev(ctx, x, depth + 1);
    return r === NO_VALUE ? null : r;
  };
  switch (fn) {
    case 'Ref':
      if (typeof arg !== 'string') throw templateError('Template error: every Ref object must have a single String value.');
      return refValue(ctx, arg);
    case 'Condition':
      if (typeof arg !== 'string') throw templateError('Template error: every Condition object must have a single String value.');
      return evaluateCondition(ctx, arg);
    case 'Fn::GetAtt': {
      const [res, attrArg] = getAttArgs(arg);
      const attr = attrArg === undefined ? undefined : e(attrArg);
      if (typeof res !== 'string' || typeof attr !== 'string') throw templateError('Template error: every Fn::GetAtt object requires two non-empty parameters, the resource name and the resource attribute');
      const target = ctx.template.resources[res];
      if (!target) throw templateError(`Template error: instance of Fn::GetAtt references undefined resource ${res}`);
      if (!(RESOURCE_TYPES[target.Type]?.attributes ?? []).includes(attr)) throw templateError(`Template error: resource ${res} does not support attribute type ${attr} in Fn::GetAtt`);
      return ctx.getAtt(res, attr);
    }
    case 'Fn::Sub':
      return sub(ctx, arg, e);
    case 'Fn::Join': {
      const [delim, items] = fnArgs(fn, arg, 2);
      const d = e(delim as Json);
      const xs = e(items as Json);
      if (typeof d !== 'string') throw templateError('Template error: Fn::Join requires a delimiter string');
      if (typeof xs === 'string' && !isKnown(xs)) return xs;
      if (!Array.isArray(xs)) throw templateError('Template error: Fn::Join requires a list of values to join');
      return xs.map((x) => stringOf(fn, x)).join(d);
    }
    case 'Fn::Select': {
      const [index, items] = fnArgs(fn, arg, 2);
      const i = Number(e(index as Json));
      const xs = e(items as Json);
      if (typeof xs === 'string' && !isKnown(xs)) return xs;
      if (!Array.isArray(xs)) throw templateError('Template error: Fn::Select requires a list argument');
      if (!Number.isInteger(i) || i < 0 || i >= xs.length) throw templateError(`Template error: Fn::Select cannot select nonexistent value at index ${String(e(index as Json))}`);
      return xs[i] as Json;
    }
    case 'Fn::Split': {
      const [delim, text] = fnArgs(fn, arg, 2);
      const d = e(delim as Json);
      const s = e(text as Json);
      if (typeof d !== 'string' || d === '' || typeof s !== 'string') throw templateError('Template error: Fn::Split requires a delimiter and a string');
      return s.split(d);
    }
    case 'Fn::If': {
      const [cond, yes, no] = fnArgs(fn, arg, 3);
      if (typeof cond !== 'string') throw templateError('Template error: Fn::If requires a condition name');
      if (!(cond in ctx.template.conditions)) throw templateError(`Template error: unresolved condition dependency ${cond} in Fn::If`);
      return ev(ctx, (evaluateCondition(ctx, cond) ? yes : no) as Json, depth + 1);
    }
    case 'Fn::Equals': {
      const [a, b] = fnArgs(fn, arg, 2);
      return JSON.stringify(scalarText(e(a as Json))) === JSON.stringify(scalarText(e(b as Json)));
    }
    case 'Fn::Not': {
      const [c] = fnArgs(fn, arg, 1);
      return !conditionValue(ctx, c as Json, 'Fn::Not');
    }
    case 'Fn::And':
    case 'Fn::Or': {
      if (!Array.isArray(arg) || arg.length < 2 || arg.length > 10) throw templateError(`Template error: ${fn} requires a list of 2 to 10 conditions`);
      const values = arg.map((c) => conditionValue(ctx, c, fn));
      return fn === 'Fn::And' ? values.every(Boolean) : values.some(Boolean);
    }
    case 'Fn::FindInMap': {
      if (!Array.isArray(arg) || arg.length < 3) throw templateError('Template error: Fn::FindInMap requires 3 arguments');
      const [m, top, second] = arg.slice(0, 3).map((x) => stringOf(fn, e(x))) as [string, string, string];
      const value = ctx.template.mappings[m]?.[top]?.[second];
      if (value === undefined) {
        const fallback = isObject(arg[3]) ? arg[3].DefaultValue : undefined;
        if (fallback !== undefined) return e(fallback);
        if (!ctx.template.mappings[m]) throw templateError(`Template error: Mapping named '${m}' is not present in the 'Mappings' section of template.`);
        throw templateError(`Template error: Unable to get mapping for ${m}::${top}::${second}`);
      }
      return value;
    }
    case 'Fn::Base64': {
      const s = e(arg);
      return Buffer.from(stringOf(fn, s), 'utf8').toString('base64');
    }
    case 'Fn::ImportValue': {
      const name = e(arg);
      return ctx.importValue(stringOf(fn, name));
    }
    case 'Fn::GetAZs': {
      const region = stringOf(fn, e(arg)) || ctx.pseudo['AWS::Region'] || '';
      return ['a', 'b', 'c'].map((z) => `${region}${z}`);
    }
    default:
      throw templateError(`Template format error: Unrecognized function ${fn.slice(0, 64)}`);
  }
}

const scalarText = (v: Json): Json => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v);

function sub(ctx: EvalContext, arg: Json, e: (x: Json) => Json): Json {
  const [textArg, varsArg] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
  if (typeof textArg !== 'string' || (Array.isArray(arg) && (arg.length !== 2 || !isObject(varsArg)))) {
    throw templateError('Template error: One or more Fn::Sub intrinsic functions don\'t specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string');
  }
  const vars = isObject(varsArg) ? varsArg : {};
  return textArg.replace(/\$\{([^}]*)\}/g, (_all, raw: string) => {
    const name = raw.trim();
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name in vars) return stringOf('Fn::Sub', e(vars[name] as Json));
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) return stringOf('Fn::Sub', intrinsic(ctx, 'Fn::GetAtt', [name.slice(0, dot), name.slice(dot + 1)], 1) as Json);
    const r = refValue(ctx, name);
    if (r === NO_VALUE) return '';
    return Array.isArray(r) ? r.join(',') : stringOf('Fn::Sub', r);
  });
}

/**
 * The capabilities a template needs, as CloudFormation asks for them: CAPABILITY_IAM for IAM
 * resources, CAPABILITY_NAMED_IAM when one of them has a custom name.
 */
export function requiredCapabilities(t: Template): { capabilities: string[]; reason?: string } {
  const iam = Object.entries(t.resources).filter(([, r]) => r.Type.startsWith('AWS::IAM::'));
  if (iam.length === 0) return { capabilities: [] };
  const named = iam.filter(([, r]) => r.Properties.RoleName !== undefined || r.Properties.UserName !== undefined && r.Type === 'AWS::IAM::User');
  if (named.length) return { capabilities: ['CAPABILITY_NAMED_IAM'], reason: `The following resource(s) require capabilities: [${[...new Set(named.map(([, r]) => r.Type))].join(', ')}]` };
  return { capabilities: ['CAPABILITY_IAM'], reason: `The following resource(s) require capabilities: [${[...new Set(iam.map(([, r]) => r.Type))].join(', ')}]` };
}
