/**
 * `entryway migrate aws-auth`: plan (what each aws-auth row becomes, what cannot move and why, and
 * the identity/permission check before vs after) and apply (idempotent steps, safe to re-run after
 * a failure midway; never leaves an API-mode cluster without an administrator path).
 */
import { eksError } from '../errors/aws-error.js';
import type { OpContext } from '../ops/context.js';
import { applyAwsAuth } from '../clusters/aws-auth.js';
import { updateClusterConfig } from '../clusters/service.js';
import { loadCluster } from '../clusters/view.js';
import { loadClusterForWrite } from '../clusters/updates.js';
import { effectiveCluster } from '../rules/cluster.js';
import { associateAccessPolicy, createAccessEntry } from '../entries/service.js';
import type { AwsAuthLists, Identity, MigrationPlan, MigrationTarget, ResolvedPrincipal } from '../mapping/index.js';
import { createMappingView, parseAwsAuth, planAwsAuthMigration, viewAfterMigration } from '../mapping/index.js';
import type { AccessEntryRecord, AssociationRecord, Caller } from '../model/types.js';
import type { Tx } from '../store/repo.js';
import type { Store } from '../store/store.js';
import type { EquivalenceRow } from './equivalence.js';
import { compareIdentity } from './equivalence.js';

export interface MigrationReport {
  cluster: string;
  plan: MigrationPlan;
  equivalence: EquivalenceRow[];
  /** Some principal's identity or permissions would change. */
  changes: boolean;
}

interface Snapshot {
  clusterName: string;
  accountId: string;
  mode: ReturnType<typeof effectiveCluster>['authenticationMode'];
  entries: AccessEntryRecord[];
  associations: AssociationRecord[];
  awsAuth: AwsAuthLists;
  creator: { principalId: string; principalArn: string };
  hiddenCreatorAdmin: boolean;
  resolved: Map<string, ResolvedPrincipal | null>;
}

const emptyAwsAuth: AwsAuthLists = { mapRoles: [], mapUsers: [], mapAccounts: [] };

async function snapshot(tx: Tx, caller: Caller, clusterName: unknown, now: number, yaml?: string): Promise<Snapshot> {
  const view = await loadCluster(tx, clusterName);
  if (view.record.accountId !== caller.accountId) throw eksError.notFound(`No cluster found for name: ${String(clusterName)}.`);
  let awsAuth: AwsAuthLists;
  if (yaml !== undefined) {
    const p = parseAwsAuth(yaml);
    if (!p.ok) throw eksError.invalidParameter(`The aws-auth document does not parse: ${p.error.message}`);
    awsAuth = p;
  } else awsAuth = (await tx.getAwsAuth(view.record.name)) ?? emptyAwsAuth;
  // Resolve every row's principal in Entryway's IAM up front (roles by name: aws-auth has no paths).
  const resolved = new Map<string, ResolvedPrincipal | null>();
  for (const m of [...awsAuth.mapRoles, ...awsAuth.mapUsers]) {
    const r = /^arn:[^:]+:iam::(\d{12}):(user|role)\/(?:.*\/)?([^/]+)$/.exec(m.arn);
    if (!r) continue;
    const [, account, kind, name] = r as unknown as [string, string, 'user' | 'role', string];
    if (!(await tx.getAccount(account))) continue;
    const p = kind === 'user' ? await tx.getUser(account, name) : await tx.getRole(account, name);
    resolved.set(`${kind}:${m.arn.toLowerCase()}`, p ? { arn: p.arn, principalId: 'userId' in p ? p.userId : p.roleId } : null);
  }
  return {
    clusterName: view.record.name,
    accountId: view.record.accountId,
    mode: effectiveCluster(view.record, view.updates, now).authenticationMode,
    entries: await tx.listEntries(view.record.name),
    associations: await tx.listClusterAssociations(view.record.name),
    awsAuth,
    creator: { principalId: view.record.creator.principalId, principalArn: view.record.creator.principalArn },
    hiddenCreatorAdmin: view.record.hiddenCreatorAdmin,
    resolved,
  };
}

function identityOf(arn: string, kind: 'role' | 'user', resolved: ResolvedPrincipal | null | undefined): Identity {
  const m = /^arn:([^:]+):iam::(\d{12}):(?:user|role)\/(?:.*\/)?([^/]+)$/.exec(arn);
  const [, partition = 'aws', account = '', name = ''] = m ?? [];
  // Node rows resolve {{EC2PrivateDNSName}} from an instance-id session name.
  const session = 'i-00000000000000000';
  return kind === 'user'
    ? { arn: resolved?.arn ?? arn, canonicalArn: resolved?.arn ?? arn, accountId: account, userId: resolved?.principalId ?? '', sessionName: '', accessKeyId: '', stsEndpoint: 'migration' }
    : {
        arn: `arn:${partition}:sts::${account}:assumed-role/${name}/${session}`,
        canonicalArn: `arn:${partition}:iam::${account}:role/${name}`,
        accountId: account,
        userId: resolved?.principalId ?? '',
        sessionName: session,
        accessKeyId: '',
        stsEndpoint: 'migration',
      };
}

export function buildReport(s: Snapshot, target: MigrationTarget, now: number): MigrationReport {
  const plan = planAwsAuthMigration({
    awsAuth: s.awsAuth,
    entries: s.entries,
    associations: s.associations,
    clusterAccountId: s.accountId,
    currentMode: s.mode,
    target,
    resolvePrincipal: (arn, kind) => s.resolved.get(`${kind}:${arn.toLowerCase()}`),
    creator: s.creator,
    hiddenCreatorAdmin: s.hiddenCreatorAdmin,
  });
  const beforeView = createMappingView({ mode: s.mode, entries: s.entries, awsAuth: s.awsAuth, creator: s.creator, hiddenCreatorAdmin: s.hiddenCreatorAdmin });
  const after = viewAfterMigration(plan, { entries: s.entries, associations: s.associations, awsAuth: s.awsAuth }, { clusterName: s.clusterName, now });
  const equivalence: EquivalenceRow[] = [];
  const seen = new Set<string>();
  for (const [kind, rows] of [['role', s.awsAuth.mapRoles], ['user', s.awsAuth.mapUsers]] as const) {
    for (const m of rows) {
      const key = `${kind}:${m.arn.toLowerCase()}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const resolved = s.resolved.get(key);
      // One truth with the plan: a principal that does not exist matches nobody today and after,
      // so it loses nothing (the plan says the row is not needed).
      if (resolved === null) {
        const nobody = { source: `nobody: no ${kind} ${m.arn} exists`, permissions: [] };
        equivalence.push({ principal: m.arn, before: nobody, after: nobody, identityChanged: false, permissionsChanged: false, lost: [], gained: [] });
        continue;
      }
      const identity = identityOf(m.arn, kind, resolved);
      equivalence.push(compareIdentity(identity, { view: beforeView, associations: s.associations }, { view: after.view, associations: after.associations }));
    }
  }
  return {
    cluster: s.clusterName,
    plan,
    equivalence,
    changes: equivalence.some((r) => r.identityChanged || r.permissionsChanged),
  };
}

export function parseTarget(v: unknown): MigrationTarget {
  if (v === undefined || v === null) return 'API_AND_CONFIG_MAP';
  if (v !== 'API' && v !== 'API_AND_CONFIG_MAP') throw eksError.invalidParameter('targetMode must be API_AND_CONFIG_MAP or API.');
  return v;
}

export async function planMigration(tx: Tx, caller: Caller, clusterName: unknown, target: MigrationTarget, now: number, yaml?: string): Promise<MigrationReport> {
  return buildReport(await snapshot(tx, caller, clusterName, now, yaml), target, now);
}

export interface ApplyOptions {
  store: Store;
  ctx: (tx: Tx) => OpContext;
  now: () => number;
  clusterName: string;
  target: MigrationTarget;
  allowChanges: boolean;
  yaml?: string;
  /** Called after each committed step (for the audit trail). */
  onStep: (tx: Tx, step: { operation: string; resource: string; after?: unknown }) => Promise<void>;
  /** Waits for the index to reflect committed writes. */
  settled: () => Promise<void>;
}

export interface ApplyResult {
  steps: string[];
  report: MigrationReport;
}

const CLUSTER_ADMIN = 'AmazonEKSClusterAdminPolicy';

async function waitForMode(o: ApplyOptions, mode: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const done = await o.store.read(async (tx) => {
      const v = await loadCluster(tx, o.clusterName);
      const eff = effectiveCluster(v.record, v.updates, o.now());
      return eff.authenticationMode === mode && !eff.inProgress;
    });
    if (done) {
      // Write the completed update's effects (e.g. the creator's entry) before going on.
      await o.store.transaction(async (tx) => loadClusterForWrite(o.ctx(tx), o.clusterName));
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw eksError.server(`The cluster did not reach ${mode} in time; re-run the migration to continue.`);
}

async function moveMode(o: ApplyOptions, to: 'API' | 'API_AND_CONFIG_MAP', steps: string[]): Promise<void> {
  const state = await o.store.read(async (tx) => {
    const v = await loadCluster(tx, o.clusterName);
    return effectiveCluster(v.record, v.updates, o.now());
  });
  if (state.authenticationMode === to) return;
  if (!(state.inProgress && state.inProgress.effect.authenticationMode === to)) {
    await o.store.transaction(async (tx) => {
      const ctx = o.ctx(tx);
      const u = await updateClusterConfig(ctx, { name: o.clusterName, accessConfig: { authenticationMode: to } });
      await o.onStep(tx, { operation: 'UpdateClusterConfig', resource: o.clusterName, after: { authenticationMode: to, updateId: u.id } });
    });
    steps.push(`authentication mode → ${to}`);
  }
  await waitForMode(o, to);
}

/**
 * Carries the plan out. Every step re-reads the cluster, so a second run after an interruption
 * skips what is done and finishes the rest, reaching the same end state.
 */
export async function applyMigration(o: ApplyOptions): Promise<ApplyResult> {
  const steps: string[] = [];
  if (o.yaml !== undefined) {
    const r = await o.store.transaction(async (tx) => applyAwsAuth(o.ctx(tx), o.clusterName, o.yaml as string));
    if (!r.ok) throw eksError.invalidParameter(`The aws-auth document was rejected: ${r.error.message}`);
    if (!r.unchanged) steps.push('aws-auth stored');
  }
  const first = await o.store.read(async (tx) => planMigration(tx, o.ctx(tx).caller, o.clusterName, o.target, o.now()));
  if (first.plan.blocked) throw eksError.invalidRequest(`The migration to ${o.target} is blocked: ${first.plan.blockers.join(' ')}`);
  if (first.changes && !o.allowChanges) {
    const who = first.equivalence.filter((r) => r.identityChanged || r.permissionsChanged).map((r) => r.principal);
    throw eksError.invalidRequest(`The migration would change the identity or permissions of ${who.join(', ')}; review the plan and re-run with --allow-changes to accept.`);
  }
  if (first.plan.currentMode === 'CONFIG_MAP') await moveMode(o, 'API_AND_CONFIG_MAP', steps);

  const report = await o.store.read(async (tx) => planMigration(tx, o.ctx(tx).caller, o.clusterName, o.target, o.now()));
  for (const item of report.plan.items) {
    if (item.status !== 'create' || !item.entry) continue;
    const p = item.entry;
    await o.store.transaction(async (tx) => {
      const ctx = o.ctx(tx);
      if (!(await tx.getEntry(o.clusterName, p.principalArn))) {
        await createAccessEntry(ctx, {
          clusterName: o.clusterName,
          principalArn: p.principalArn,
          type: p.type,
          ...(p.username !== undefined && p.type === 'STANDARD' ? { username: p.username } : {}),
          ...(p.type === 'STANDARD' && p.kubernetesGroups.length ? { kubernetesGroups: p.kubernetesGroups } : {}),
        });
        await o.onStep(tx, { operation: 'CreateAccessEntry', resource: p.principalArn, after: { type: p.type, username: p.effectiveUsername, kubernetesGroups: p.kubernetesGroups } });
        steps.push(`access entry ${p.principalArn} (${p.type})`);
      }
      for (const pol of p.accessPolicies) {
        if (await tx.getAssociation(o.clusterName, p.principalArn, pol.policyArn)) continue;
        await associateAccessPolicy(ctx, { clusterName: o.clusterName, principalArn: p.principalArn, policyArn: pol.policyArn, accessScope: { type: pol.accessScope.type, namespaces: [...pol.accessScope.namespaces] } });
        await o.onStep(tx, { operation: 'AssociateAccessPolicy', resource: `${p.principalArn} ${pol.policyArn}`, after: { accessScope: pol.accessScope } });
        steps.push(`${pol.policyArn.split('/').pop()} for ${p.principalArn}`);
      }
    });
  }
  await o.settled();

  if (o.target === 'API') {
    // Never leave the cluster without someone who can administer it through access entries.
    const admin = await o.store.read(async (tx) => {
      const assoc = await tx.listClusterAssociations(o.clusterName);
      return assoc.some((a) => a.policyArn.endsWith(`/${CLUSTER_ADMIN}`) && a.scope.type === 'cluster');
    });
    if (!admin) throw eksError.invalidRequest(`Refusing to move ${o.clusterName} to API: no access entry would have ${CLUSTER_ADMIN} at cluster scope, so nobody could administer the cluster. Create one, then re-run.`);
    await moveMode(o, 'API', steps);
  }
  await o.settled();
  const final = await o.store.read(async (tx) => planMigration(tx, o.ctx(tx).caller, o.clusterName, o.target, o.now()));
  return { steps, report: final };
}
