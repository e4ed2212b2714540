/**
 * Issue 5, migration: `entryway migrate aws-auth` on realistic aws-auth files — the plan's content,
 * the equivalence check catching a real difference, blocked targets, an interrupted --apply finished
 * by a re-run, and the mode moves — with the real CLI against a running server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateClusterCommand, DescribeClusterCommand, ListAccessEntriesCommand, ListAssociatedAccessPoliciesCommand, DescribeAccessEntryCommand } from '@aws-sdk/client-eks';
import { CreateRoleCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { applyMigration } from '../../src/migration/service.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { entryway } from '../helpers/cli.js';

let s: TestServer;
let dir: string;
const fixture = (name: string) => readFileSync(new URL(`../fixtures/aws-auth/${name}`, import.meta.url), 'utf8').replaceAll('ACCOUNT', s.accountId);
const file = (name: string) => {
  const p = join(dir, name);
  writeFileSync(p, fixture(name));
  return p;
};

async function cluster(name: string): Promise<void> {
  await s.eks().send(new CreateClusterCommand({ name, roleArn: `arn:aws:iam::${s.accountId}:role/eks`, resourcesVpcConfig: { subnetIds: ['s'] } }));
}

async function entriesOf(name: string): Promise<Record<string, { type: string; username: string; groups: string[]; policies: string[] }>> {
  const eks = s.eks();
  const out: Record<string, { type: string; username: string; groups: string[]; policies: string[] }> = {};
  for (const arn of (await eks.send(new ListAccessEntriesCommand({ clusterName: name }))).accessEntries ?? []) {
    const e = (await eks.send(new DescribeAccessEntryCommand({ clusterName: name, principalArn: arn }))).accessEntry!;
    // Node-typed entries take no access policies (EKS refuses to list them).
    const p = e.type === 'STANDARD' || e.type === 'EC2' ? ((await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: name, principalArn: arn }))).associatedAccessPolicies ?? []) : [];
    out[arn] = { type: e.type!, username: e.username!, groups: e.kubernetesGroups ?? [], policies: p.map((x) => `${x.policyArn!.split('/').pop()}:${x.accessScope!.type}`) };
  }
  return out;
}

before(async () => {
  s = await startTestServer({ config: { updateDurationMs: 200 } });
  dir = mkdtempSync(join(tmpdir(), 'entryway-migrate-'));
  const iam = s.iam();
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: s.accountId }, Action: 'sts:AssumeRole' }] });
  for (const [name, path] of [
    ['linux-nodes', '/'],
    ['windows-nodes', '/'],
    ['console-viewer', '/'],
    ['fargate-pods', '/'],
    ['monitoring', '/'],
    ['AWSReservedSSO_Developers_0123456789abcdef', '/aws-reserved/sso.amazonaws.com/us-east-1/'],
    ['AWSReservedSSO_Admins_fedcba9876543210', '/aws-reserved/sso.amazonaws.com/us-east-1/'],
  ]) {
    await iam.send(new CreateRoleCommand({ RoleName: name, Path: path, AssumeRolePolicyDocument: trust }));
  }
  for (const u of ['admin', 'ci']) await iam.send(new CreateUserCommand({ UserName: u }));
});

after(async () => {
  await s?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('plans', () => {
  test('nodes, admins and a console role: the plan, then --apply to API', async () => {
    await cluster('eks1');
    assert.equal((await entryway(s, ['aws-auth', 'apply', '--cluster', 'eks1', '-f', file('eks-nodes-and-admins.yaml')])).code, 0);
    const plan = await entryway(s, ['migrate', 'aws-auth', '--cluster', 'eks1', '--target-mode', 'API', '-o', 'json']);
    assert.equal(plan.code, 0, plan.stderr);
    const r = JSON.parse(plan.stdout);
    const items = Object.fromEntries(r.plan.items.map((i: { mapping: { arn: string }; status: string; entry?: unknown }) => [i.mapping.arn.split('/').pop(), i]));
    assert.equal(items['linux-nodes'].entry.type, 'EC2_LINUX');
    assert.equal(items['windows-nodes'].entry.type, 'EC2_WINDOWS');
    assert.deepEqual(items['console-viewer'].entry.kubernetesGroups, ['eks-console-dashboard-full-access-group']);
    assert.equal(items['console-viewer'].entry.effectiveUsername, 'console-viewer');
    assert.deepEqual(items.admin.entry.accessPolicies, [{ policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy', accessScope: { type: 'cluster', namespaces: [] } }]);
    assert.equal(r.plan.blocked, false);
    assert.equal(r.changes, false, 'every principal keeps its identity and permissions');
    assert.deepEqual(r.plan.transitions, ['API_AND_CONFIG_MAP', 'API']);

    const human = await entryway(s, ['migrate', 'aws-auth', '--cluster', 'eks1', '--target-mode', 'API']);
    assert.match(human.stdout, /mapUsers\[0\] arn:aws:iam::\d+:user\/admin: create/);
    assert.match(human.stdout, /system:masters becomes AmazonEKSClusterAdminPolicy/);
    assert.match(human.stdout, /Every mapped principal keeps its identity and permissions/);

    const applied = await entryway(s, ['migrate', 'aws-auth', '--cluster', 'eks1', '--target-mode', 'API', '--apply']);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /authentication mode → API/);
    const c = (await s.eks().send(new DescribeClusterCommand({ name: 'eks1' }))).cluster!;
    assert.equal(c.accessConfig?.authenticationMode, 'API');
    const entries = await entriesOf('eks1');
    assert.equal(entries[`arn:aws:iam::${s.accountId}:role/linux-nodes`]?.type, 'EC2_LINUX');
    assert.deepEqual(entries[`arn:aws:iam::${s.accountId}:user/admin`], { type: 'STANDARD', username: 'admin', groups: [], policies: ['AmazonEKSClusterAdminPolicy:cluster'] });
    assert.deepEqual(entries[`arn:aws:iam::${s.accountId}:user/entryway-admin`]?.policies, ['AmazonEKSClusterAdminPolicy:cluster'], 'the hidden creator grant became a visible entry');
    const again = await entryway(s, ['migrate', 'aws-auth', '--cluster', 'eks1', '--target-mode', 'API', '--apply']);
    assert.match(again.stdout, /nothing to do/, 're-running is a no-op');
  });

  test('SSO roles get their real ARN with path; templates, Fargate and custom groups carry over', async () => {
    await cluster('sso');
    const r = JSON.parse((await entryway(s, ['migrate', 'aws-auth', '--cluster', 'sso', '-f', file('sso-and-templates.yaml'), '-o', 'json'])).stdout);
    const byName = Object.fromEntries(r.plan.items.map((i: { mapping: { arn: string } }) => [i.mapping.arn.split('/').pop(), i]));
    const dev = byName.AWSReservedSSO_Developers_0123456789abcdef.entry;
    assert.equal(dev.principalArn, `arn:aws:iam::${s.accountId}:role/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_Developers_0123456789abcdef`);
    assert.equal(dev.effectiveUsername, 'sso-dev:{{SessionName}}');
    assert.deepEqual(dev.kubernetesGroups, ['developers', 'acct-{{AccountID}}']);
    assert.equal(byName['fargate-pods'].entry.type, 'FARGATE_LINUX');
    assert.deepEqual(byName.ci.entry.kubernetesGroups, ['deployers']);
    assert.equal(byName.AWSReservedSSO_Admins_fedcba9876543210.entry.accessPolicies[0].policyArn.split('/').pop(), 'AmazonEKSClusterAdminPolicy');
    assert.equal(r.changes, false, JSON.stringify(r.equivalence.filter((x: { identityChanged: boolean; permissionsChanged: boolean }) => x.identityChanged || x.permissionsChanged)));
  });

  test('mapAccounts and reserved groups block API, not API_AND_CONFIG_MAP', async () => {
    await cluster('odd');
    await entryway(s, ['aws-auth', 'apply', '--cluster', 'odd', '-f', file('accounts-and-oddities.yaml')]);
    const toApi = await entryway(s, ['migrate', 'aws-auth', '--cluster', 'odd', '--target-mode', 'API', '-o', 'json']);
    assert.equal(toApi.code, 1, 'a blocked plan exits 1');
    const r = JSON.parse(toApi.stdout);
    assert.equal(r.plan.blocked, true);
    assert.ok(r.plan.blockers.some((b: string) => /444455556666/.test(b)), `mapAccounts named: ${r.plan.blockers}`);
    assert.ok(r.plan.blockers.some((b: string) => /system:monitoring/.test(b)), `reserved group named: ${r.plan.blockers}`);
    const refused = await entryway(s, ['migrate', 'aws-auth', '--cluster', 'odd', '--target-mode', 'API', '--apply']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /blocked/);
    const partial = JSON.parse((await entryway(s, ['migrate', 'aws-auth', '--cluster', 'odd', '-o', 'json'])).stdout);
    assert.equal(partial.plan.blocked, false, 'API_AND_CONFIG_MAP keeps the rows that cannot move working from aws-auth');
  });

  test('the equivalence check catches a real difference and stops --apply unless --allow-changes', async () => {
    await cluster('diff');
    await entryway(s, ['aws-auth', 'apply', '--cluster', 'diff', '-f', file('node-missing-bootstrappers.yaml')]);
    const r = JSON.parse((await entryway(s, ['migrate', 'aws-auth', '--cluster', 'diff', '-o', 'json'])).stdout);
    assert.equal(r.changes, true);
    const row = r.equivalence.find((x: { principal: string }) => x.principal.endsWith('role/linux-nodes'));
    assert.equal(row.identityChanged, true, 'the node entry adds system:bootstrappers');
    assert.deepEqual(row.before.groups, ['system:nodes']);
    assert.deepEqual(row.after.groups, ['system:bootstrappers', 'system:nodes']);
    const refused = await entryway(s, ['migrate', 'aws-auth', '--cluster', 'diff', '--apply']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /would change the identity or permissions of .*linux-nodes.*--allow-changes/);
    const c = (await s.eks().send(new DescribeClusterCommand({ name: 'diff' }))).cluster!;
    assert.equal(c.accessConfig?.authenticationMode, 'CONFIG_MAP', 'nothing was changed');
    const ok = await entryway(s, ['migrate', 'aws-auth', '--cluster', 'diff', '--apply', '--allow-changes']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  test('a malformed aws-auth is refused with the reason', async () => {
    await cluster('broken');
    const r = await entryway(s, ['migrate', 'aws-auth', '--cluster', 'broken', '-f', file('malformed.yaml')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /does not parse.*mapRoles/);
    const applied = await entryway(s, ['aws-auth', 'apply', '--cluster', 'broken', '-f', file('malformed.yaml')]);
    assert.equal(applied.code, 1);
    assert.match(applied.stderr, /rejected/);
  });
});

test('an --apply interrupted midway, re-run, reaches the same end state as an uninterrupted one', async () => {
  for (const name of ['twin-a', 'twin-b']) {
    await cluster(name);
    await entryway(s, ['aws-auth', 'apply', '--cluster', name, '-f', file('eks-nodes-and-admins.yaml')]);
  }
  assert.equal((await entryway(s, ['migrate', 'aws-auth', '--cluster', 'twin-a', '--target-mode', 'API', '--apply'])).code, 0);

  // twin-b: the process "dies" after the third committed step.
  let steps = 0;
  const caller = (await s.server.store.read((tx) => tx.getCluster('twin-b')))!.creator;
  const callerRec = { accountId: caller.accountId, arn: caller.arn, principalArn: caller.principalArn, principalId: caller.principalId, accessKeyId: s.admin.accessKeyId, kind: 'user' as const };
  await assert.rejects(
    applyMigration({
      store: s.server.store,
      now: Date.now,
      clusterName: 'twin-b',
      target: 'API',
      allowChanges: false,
      ctx: (tx) => ({ tx, caller: callerRec, now: Date.now(), region: 'us-east-1', partition: 'aws', updateDurationMs: 200, clusterCreateDurationMs: 0, audit: { clusterName: null, resource: null } }),
      settled: () => s.server.indexes.settled(),
      onStep: async () => {
        if (++steps === 3) throw new Error('simulated crash');
      },
    }),
    /simulated crash/,
  );
  const mid = await entriesOf('twin-b');
  assert.ok(Object.keys(mid).length < Object.keys(await entriesOf('twin-a')).length, 'the interrupted run left work undone');
  const rerun = await entryway(s, ['migrate', 'aws-auth', '--cluster', 'twin-b', '--target-mode', 'API', '--apply']);
  assert.equal(rerun.code, 0, rerun.stderr);
  const strip = (e: Record<string, unknown>) => JSON.stringify(Object.entries(e).sort());
  assert.equal(strip(await entriesOf('twin-b')), strip(await entriesOf('twin-a')), 'same entries, types, usernames, groups and policies');
  assert.equal((await s.eks().send(new DescribeClusterCommand({ name: 'twin-b' }))).cluster?.accessConfig?.authenticationMode, 'API');
});
