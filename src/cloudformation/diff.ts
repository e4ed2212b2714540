/**
 * What a template change does to each resource: Add, Modify (in place or by replacement) or Remove,
 * with the per-property details `describe-change-set` shows. Used for change sets (where values of
 * resources not made yet are "known after deploy": Evaluation Dynamic, Replacement Conditional) and
 * by the executor with real values. Pure.
 */
import type { ResourceChangeRecord, StackResourceState } from '../model/stacks.js';
import { RESOURCE_TYPES } from './resource-types.js';
import type { EvalContext, JsonObject, Template } from './template/engine.js';
import { dependencyOrder, evaluateProperties, included, isKnown, unknownValue } from './template/engine.js';

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function at(o: JsonObject | undefined, path: string): unknown {
  let v: unknown = o;
  for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

export interface PropertyChange {
  name: string;
  replaces: boolean;
  dynamic: boolean;
}

/** The properties that differ and whether each forces a replacement. */
export function propertyChanges(type: string, before: JsonObject, after: JsonObject): PropertyChange[] {
  const spec = RESOURCE_TYPES[type];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const out: PropertyChange[] = [];
  for (const k of keys) {
    if (same(before[k], after[k])) continue;
    const dynamic = after[k] !== undefined && !isKnown(after[k]);
    const nested = (spec?.replaceOn ?? []).filter((r) => r.startsWith(`${k}.`));
    const replaces = (spec?.replaceOn ?? []).includes(k) || nested.some((r) => !same(at(before, r), at(after, r)));
    out.push({ name: k, replaces, dynamic });
  }
  return out;
}

export interface PlannedChange {
  record: ResourceChangeRecord;
  /** The new properties (with unknowns where values are known after deploy). */
  properties?: JsonObject;
}

const live = (r: StackResourceState | undefined): r is StackResourceState => r !== undefined && r.status !== 'DELETE_COMPLETE' && r.physicalId !== undefined;

/**
 * The changes a template (with its evaluation context) makes to the stack's current resources.
 * `ctx.ref`/`getAtt` see current values; resources added or replaced here become unknown for the
 * resources after them.
 */
export function planChanges(t: Template, ctx: EvalContext, current: Record<string, StackResourceState>): PlannedChange[] {
  const ids = Object.keys(t.resources).filter((id) => included(ctx, t.resources[id]?.Condition));
  const order = dependencyOrder(t, ids);
  const changing = new Set<string>();
  const planCtx: EvalContext = {
    ...ctx,
    ref: (id) => (changing.has(id) ? unknownValue(id) : ctx.ref(id)),
    getAtt: (id, a) => (changing.has(id) ? unknownValue(`${id}.${a}`) : ctx.getAtt(id, a)),
  };
  const out: PlannedChange[] = [];
  for (const id of order) {
    const decl = t.resources[id]!;
    const props = evaluateProperties(planCtx, decl.Properties);
    const st = current[id];
    if (!live(st)) {
      changing.add(id);
      out.push({ record: { Action: 'Add', LogicalResourceId: id, ResourceType: decl.Type, Scope: [], Details: [] }, properties: props });
      continue;
    }
    if (st.type !== decl.Type) {
      changing.add(id);
      out.push({
        record: { Action: 'Modify', LogicalResourceId: id, PhysicalResourceId: st.physicalId!, ResourceType: decl.Type, Replacement: 'True', Scope: [], Details: [] },
        properties: props,
      });
      continue;
    }
    const changes = propertyChanges(decl.Type, st.properties as JsonObject, props);
    if (changes.length === 0) continue;
    const replacement = changes.some((c) => c.replaces && !c.dynamic) ? 'True' : changes.some((c) => c.replaces) ? 'Conditional' : 'False';
    if (replacement !== 'False') changing.add(id);
    out.push({
      record: {
        Action: 'Modify',
        LogicalResourceId: id,
        PhysicalResourceId: st.physicalId!,
        ResourceType: decl.Type,
        Replacement: replacement,
        Scope: ['Properties'],
        Details: changes.map((c) => ({
          Target: { Attribute: 'Properties', Name: c.name, RequiresRecreation: c.replaces ? (c.dynamic ? 'Conditionally' : 'Always') : 'Never' },
          Evaluation: c.dynamic ? 'Dynamic' : 'Static',
          ChangeSource: c.dynamic ? 'ResourceReference' : 'DirectModification',
        })),
      },
      properties: props,
    });
  }
  const kept = new Set(order);
  for (const [id, st] of Object.entries(current)) {
    if (!kept.has(id) && live(st)) out.push({ record: { Action: 'Remove', LogicalResourceId: id, PhysicalResourceId: st.physicalId!, ResourceType: st.type, Scope: [], Details: [] } });
  }
  return out;
}
