/**
 * Effective access end to end (issue 15): a realistic RBAC snapshot imported through the CLI, then
 * `entryway can-i`, kubectl `auth can-i` / `auth can-i --list` on Entryway's endpoint with real
 * `aws eks get-token` tokens, `who-can` across two clusters (access entries, an aws-auth row and an
 * OIDC group), the access report's flags, and last use — recorded by real reviews, shown by
 * `entries list`, kept across a restart, and counted by doctor and the unused-entries metric.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssociateAccessPolicyCommand, AssociateIdentityProviderConfigCommand, CreateAccessEntryCommand, CreateClusterCommand } from '@aws-sdk/client-eks';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Credentials, TestServer } from '../helpers/server.js';
import { startTestServer, testStoreKind } from '../helpers/server.js';
import { entryway } from '../helpers/cli.js';
import { postgresTestUrl } from '../../src/store/testing.js';

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 60_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const POLICY = (name: string) => `arn:aws:eks::aws:cluster-access-policy/${name}`;

/**
 * What `kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml` prints, cut down:
 * defaults as the cluster has them (view/edit/admin aggregate; their rules here are left empty, as
 * a controller that has not run yet would leave them, so aggregation must fill them), a custom
 * aggregated ClusterRole, and bindings to the groups entries, aws-auth rows and OIDC tokens give.
 */
const PROD_RBAC = `apiVersion: v1
kind: List
metadata: {resourceVersion: ""}
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata:
    name: edit
    labels: {kubernetes.io/bootstrapping: rbac-defaults, rbac.authorization.k8s.io/aggregate-to-admin: "true"}
    annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
    managedFields: [{manager: kube-apiserver, operation: Update}]
    uid: 3d8d5c6b-0000-0000-0000-000000000001
  aggregationRule:
    clusterRoleSelectors:
    - matchLabels: {rbac.authorization.k8s.io/aggregate-to-edit: "true"}
  rules: []
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata:
    name: system:aggregate-to-edit
    labels: {kubernetes.io/bootstrapping: rbac-defaults, rbac.authorization.k8s.io/aggregate-to-edit: "true"}
  rules:
  - apiGroups: [""]
    resources: [pods/attach, pods/exec, pods/portforward, pods/proxy, secrets, services/proxy]
    verbs: [get, list, watch]
  - apiGroups: [""]
    resources: [pods, pods/attach, pods/exec, pods/portforward, pods/proxy]
    verbs: [create, delete, deletecollection, patch, update]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata:
    name: platform-observer
  aggregationRule:
    clusterRoleSelectors:
    - matchExpressions: [{key: example.com/aggregate-to-observer, operator: Exists}]
  rules: []
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata:
    name: observer-pods
    labels: {example.com/aggregate-to-observer: "yes"}
  rules:
  - apiGroups: [""]
    resources: [pods, pods/log, nodes]
    verbs: [get, list, watch]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: ops-observe}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: platform-observer}
  subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: ops}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: platform-admins}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
  subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: "oidc:platform"}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: devs-edit, namespace: prod}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
  subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: devs}
`;

const STAGE_RBAC = JSON.stringify({
  apiVersion: 'v1',
  kind: 'List',
  items: [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'secret-reader' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'readers' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'secret-reader' },
      subjects: [{ kind: 'Group', name: 'secret-readers', apiGroup: 'rbac.authorization.k8s.io' }],
    },
  ],
});

interface Fixture {
  s: TestServer;
  alice: { arn: string; creds: Credentials };
  bob: { arn: string; creds: Credentials };
  opsArn: string;
  adminArn: string;
  dir: string;
}

async function setUp(s: TestServer): Promise<Fixture> {
  const eks = s.eks();
  const iam = s.iam();
  for (const [name, authenticationMode] of [
    ['prod', 'API_AND_CONFIG_MAP'],
    ['stage', 'API'],
  ] as const) {
    await eks.send(new CreateClusterCommand({ name, roleArn: `arn:aws:iam::${s.accountId}:role/eks`, resourcesVpcConfig: { subnetIds: ['subnet-1'] }, accessConfig: { authenticationMode } }));
  }
  const user = async (name: string) => {
    const u = (await iam.send(new CreateUserCommand({ UserName: name }))).User!;
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    const describe = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'eks:DescribeCluster', Resource: '*' }] };
    await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'describe', PolicyDocument: JSON.stringify(describe) }));
    return { arn: u.Arn!, creds: { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! } };
  };
  const alice = await user('alice');
  const bob = await user('bob');
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: 'sts:AssumeRole' }] };
  const opsArn = (await iam.send(new CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!.Arn!;
  await eks.send(new CreateAccessEntryCommand({ clusterName: 'prod', principalArn: alice.arn, kubernetesGroups: ['devs'] }));
  await eks.send(new CreateAccessEntryCommand({ clusterName: 'stage', principalArn: bob.arn, kubernetesGroups: ['secret-readers'] }));
  await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'stage', principalArn: bob.arn, policyArn: POLICY('AmazonEKSViewPolicy'), accessScope: { type: 'cluster' } }));
  await eks.send(
    new AssociateIdentityProviderConfigCommand({
      clusterName: 'prod',
      oidc: { identityProviderConfigName: 'corp', issuerUrl: 'https://idp.example.com', clientId: 'kubernetes', groupsClaim: 'groups', groupsPrefix: 'oidc:', usernameClaim: 'email' },
    }),
  );
  const awsAuth = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth, namespace: kube-system}\ndata:\n  mapRoles: |\n    - rolearn: ${opsArn}\n      username: ops:{{SessionName}}\n      groups: [ops]\n`;
  const applied = await entryway(s, ['aws-auth', 'apply', '--cluster', 'prod', '-f', '-'], { input: awsAuth });
  assert.equal(applied.code, 0, applied.stderr);
  const adminArn = (await s.sts().send(new GetCallerIdentityCommand({}))).Arn!;
  return { s, alice, bob, opsArn, adminArn, dir: mkdtempSync(join(tmpdir(), 'entryway-effective-')) };
}

test('effective access: RBAC snapshot, can-i, kubectl, who-can across clusters, report, last use', async (t) => {
  const s = await startTestServer();
  const f = await setUp(s);
  try {
    const rbacFile = join(f.dir, 'rbac.yaml');
    writeFileSync(rbacFile, PROD_RBAC);

    await t.test('rbac import from a file and from standard input; rbac get', async () => {
      const r = await entryway(s, ['rbac', 'import', '--cluster', 'prod', '-f', rbacFile]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /imported RBAC of prod: 4 ClusterRoles, 2 ClusterRoleBindings, 0 Roles, 1 RoleBindings/);
      assert.match(r.stdout, /added defaults the snapshot lacked: .*ClusterRole cluster-admin/);
      const j = await entryway(s, ['rbac', 'import', '--cluster', 'stage', '-f', '-', '-o', 'json'], { input: STAGE_RBAC });
      assert.equal(j.code, 0, j.stderr);
      assert.deepEqual(JSON.parse(j.stdout).counts, { clusterRoles: 1, clusterRoleBindings: 1, roles: 0, roleBindings: 0 });
      const g = await entryway(s, ['rbac', 'get', '--cluster', 'prod']);
      assert.equal(g.code, 0, g.stderr);
      assert.match(g.stdout, /prod: RBAC snapshot of \d{4}-\d\d-\d\dT.*old\)\n {2}imported by arn:aws:iam::/);
      // A broken document is refused whole and the snapshot stays.
      const bad = await entryway(s, ['rbac', 'import', '--cluster', 'prod', '-f', '-'], { input: 'kind: ClusterRole\nmetadata: {name: x}\nrules: [{resources: [pods]}]\n' });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /The RBAC document was not imported: items\[0\] \(ClusterRole x\)\.rules\[0\]\.verbs is required/);
      const still = JSON.parse((await entryway(s, ['rbac', 'get', '--cluster', 'prod', '-o', 'json'])).stdout);
      assert.equal(still.counts.clusterRoles, 4);
    });

    await t.test('entryway can-i joins RBAC: yes through the RoleBinding, no elsewhere with the snapshot named', async () => {
      const yes = await entryway(s, ['can-i', '--cluster', 'prod', '--principal', f.alice.arn, 'get', 'secrets', '-n', 'prod']);
      assert.equal(yes.code, 0, yes.stdout + yes.stderr);
      assert.match(yes.stdout, /allowed by: RBAC: allowed by RoleBinding "devs-edit\/prod" of ClusterRole "edit" to Group "devs"/);
      assert.match(yes.stdout, /rbac: snapshot of /);
      const no = await entryway(s, ['can-i', '--cluster', 'prod', '--principal', f.alice.arn, 'get', 'secrets', '-n', 'dev']);
      assert.equal(no.code, 1);
      assert.match(no.stdout, /No RBAC binding for user .* or groups devs allows it either \(RBAC snapshot of /);
      // The aws-auth role, through the aggregated ClusterRole.
      const ops = await entryway(s, ['can-i', '--cluster', 'prod', '--principal', f.opsArn, '--session', 'carol', 'list', 'nodes']);
      assert.equal(ops.code, 0, ops.stdout);
      assert.match(ops.stdout, /as ops:carol \(groups: ops\)/);
      assert.match(ops.stdout, /ClusterRoleBinding "ops-observe" of ClusterRole "platform-observer" to Group "ops"/);
    });

    await t.test('kubectl auth can-i and can-i --list on Entryway’s endpoint count the snapshot', async () => {
      const env = s.awsEnv(f.alice.creds);
      const kubeconfig = join(f.dir, 'alice.kubeconfig');
      const uk = await run('aws', ['eks', 'update-kubeconfig', '--name', 'prod', '--kubeconfig', kubeconfig], env);
      assert.equal(uk.code, 0, uk.stderr);
      const kubectl = (args: string[]) => run('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(f.dir, 'cache'), ...args], env);
      const yes = await kubectl(['auth', 'can-i', 'create', 'pods/exec', '-n', 'prod']);
      assert.equal(yes.stdout.trim(), 'yes', yes.stdout + yes.stderr);
      const no = await kubectl(['auth', 'can-i', 'get', 'secrets', '-n', 'dev']);
      assert.equal(no.code, 1);
      assert.match(no.stdout, /^no - .*no RBAC binding allows it either \(RBAC snapshot of /);
      const list = await kubectl(['auth', 'can-i', '--list', '-n', 'prod']);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /^secrets\s+\[\]\s+\[\]\s+\[get list watch\]/m, list.stdout);
      assert.match(list.stdout, /^pods\/exec\s/m);
      assert.doesNotMatch(list.stderr, /incomplete/, 'complete with a snapshot');
      const other = await kubectl(['auth', 'can-i', '--list', '-n', 'dev']);
      assert.doesNotMatch(other.stdout, /^secrets\s/m, 'the RoleBinding does not reach dev');
    });

    await t.test('who-can names principals through entries, aws-auth and OIDC groups across both clusters', async () => {
      const j = await entryway(s, ['who-can', 'get', 'secrets', '-n', 'prod', '--all-clusters', '-o', 'json']);
      assert.equal(j.code, 0, j.stderr);
      const out = JSON.parse(j.stdout) as { clusters: Array<{ cluster: string; principals: Array<{ principal: string; source: { kind: string }; paths: Array<{ via: string; description: string }> }> }> };
      const byCluster = new Map(out.clusters.map((c) => [c.cluster, c.principals]));
      const prod = byCluster.get('prod')!;
      const names = (rows: typeof prod) => rows.map((r) => r.principal).sort();
      assert.deepEqual(names(prod), [f.adminArn, f.alice.arn, 'oidc:corp group platform'].sort());
      assert.match(prod.find((r) => r.principal === f.alice.arn)!.paths[0]!.description, /RoleBinding "devs-edit\/prod" of ClusterRole "edit" to Group "devs"/);
      assert.match(prod.find((r) => r.principal === 'oidc:corp group platform')!.paths[0]!.description, /ClusterRoleBinding "platform-admins" of ClusterRole "cluster-admin" to Group "oidc:platform"/);
      assert.deepEqual(prod.find((r) => r.principal === f.adminArn)!.paths.map((p) => p.via), ['access-policy']);
      const stage = byCluster.get('stage')!;
      const bobCan = await entryway(s, ['can-i', '--cluster', 'stage', '--principal', f.bob.arn, 'get', 'secrets', '-n', 'prod']);
      assert.deepEqual(names(stage), [f.adminArn, f.bob.arn].sort(), JSON.stringify(stage) + bobCan.stdout);
      assert.deepEqual(
        stage.find((r) => r.principal === f.bob.arn)!.paths.map((p) => p.description),
        ['RBAC: allowed by ClusterRoleBinding "readers" of ClusterRole "secret-reader" to Group "secret-readers"'],
        'View policy does not read secrets; the binding does',
      );
      // The aws-auth row, and the table and CSV forms.
      const pods = await entryway(s, ['who-can', 'list', 'pods', '-n', 'prod', '--cluster', 'prod']);
      assert.equal(pods.code, 0, pods.stderr);
      assert.match(pods.stdout, /^CLUSTER\s+PRINCIPAL\s+SOURCE\s+USERNAME\s+ALLOWED BY$/m);
      assert.match(pods.stdout, new RegExp(`^prod\\s+${f.opsArn.replace(/\//g, '\\/')}\\s+aws-auth mapRoles\\s+ops:\\{\\{SessionName\\}\\}\\s+RBAC: allowed by ClusterRoleBinding "ops-observe"`, 'm'));
      const csv = await entryway(s, ['who-can', 'get', 'secrets', '-n', 'prod', '--cluster', 'prod', '--cluster', 'stage', '-o', 'csv']);
      const lines = csv.stdout.trim().split('\n');
      assert.equal(lines[0], 'cluster,principal,source,username,groups,via,path,condition');
      assert.ok(lines.some((l) => l.startsWith(`stage,${f.bob.arn},access entry,${f.bob.arn},secret-readers system:authenticated,rbac,`)), csv.stdout);
      assert.equal(lines.length, 1 + 5);
    });

    await t.test('access report flags risky privileges with their paths', async () => {
      const r = await entryway(s, ['access', 'report', '--cluster', 'prod', '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const rows = (JSON.parse(r.stdout) as { clusters: Array<{ principals: Array<{ principal: string; risks: Array<{ id: string; scope: unknown; path: string }>; inactive?: string }> }> }).clusters[0]!.principals;
      const risks = (name: string) => rows.find((p) => p.principal === name)!.risks;
      const alice = risks(f.alice.arn);
      assert.deepEqual([...new Set(alice.map((k) => k.id))].sort(), ['pods-attach', 'pods-exec', 'pods-portforward', 'secrets-read']);
      assert.ok(alice.every((k) => JSON.stringify(k.scope) === '["prod"]' && /RoleBinding "devs-edit\/prod"/.test(k.path)));
      assert.ok(risks('oidc:corp group platform').some((k) => k.id === 'cluster-admin' && k.scope === 'cluster'));
      assert.ok(risks(f.adminArn).some((k) => k.id === 'cluster-admin' && /access policy AmazonEKSClusterAdminPolicy \(cluster scope\)/.test(k.path)));
      assert.deepEqual(risks(f.opsArn), [], 'observing pods and nodes is not flagged');
      const text = await entryway(s, ['access', 'report', '--cluster', 'prod', '--risky']);
      assert.match(text.stdout, /RISK secrets-read\s+ns prod\s+via RoleBinding "devs-edit\/prod"/);
      assert.doesNotMatch(text.stdout, new RegExp(f.opsArn.replace(/\//g, '\\/')), '--risky leaves out principals without flags');
    });

    await t.test('last use: recorded by the kubectl reviews above, shown by entries list and the report', async () => {
      const r = await entryway(s, ['entries', 'list', '--cluster', 'prod', '-o', 'json']);
      const entries = (JSON.parse(r.stdout) as { accessEntries: Array<{ principalArn: string; lastUsedAt: number | null; lastUsedFrom?: string }> }).accessEntries;
      const alice = entries.find((e) => e.principalArn === f.alice.arn)!;
      assert.ok(typeof alice.lastUsedAt === 'number' && Date.now() - alice.lastUsedAt < 120_000, JSON.stringify(alice));
      assert.equal(alice.lastUsedFrom, '127.0.0.1');
      assert.equal(entries.find((e) => e.principalArn === f.adminArn)!.lastUsedAt, null);
      const table = await entryway(s, ['entries', 'list', '--cluster', 'prod']);
      assert.match(table.stdout, new RegExp(`${f.alice.arn.replace(/\//g, '\\/')}\\s+STANDARD.*\\s\\d+s ago from 127\\.0\\.0\\.1$`, 'm'));
      assert.match(table.stdout, /never$/m);
    });
  } finally {
    await s.close();
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('last use survives a restart; doctor and the metric report what has not been used', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'entryway-lastuse-'));
  let storeUrl: string | undefined;
  if (testStoreKind() === 'postgres') {
    const u = new URL(postgresTestUrl());
    u.searchParams.set('schema', `lu_${Math.random().toString(36).slice(2, 10)}`);
    storeUrl = u.toString();
  }
  const config = { dataDir, ...(storeUrl ? { storeUrl } : {}) };
  let s = await startTestServer({ config, keepDataDir: true });
  try {
    const f = await setUp(s);
    rmSync(f.dir, { recursive: true, force: true });
    // A real TokenReview of bob's get-token token (the default flush interval is a minute: what is
    // pending must be written at shutdown).
    const token = await s.aws(['eks', 'get-token', '--cluster-name', 'stage', '--output', 'json'], { credentials: f.bob.creds });
    assert.equal(token.code, 0, token.stderr);
    const review = await s.post('/clusters/stage/authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: JSON.parse(token.stdout).status.token } });
    assert.equal(review.json.status.authenticated, true, review.text);
    await s.close();

    // A short threshold stands in for days (the server's clock must stay true: SigV4 checks it).
    s = await startTestServer({ config: { ...config, unusedAfterMs: 1000 }, keepDataDir: true });
    await new Promise((r) => setTimeout(r, 1500));
    const list = JSON.parse((await entryway(s, ['entries', 'list', '--cluster', 'stage', '-o', 'json'])).stdout) as { accessEntries: Array<{ principalArn: string; lastUsedAt: number | null }> };
    const bob = list.accessEntries.find((e) => e.principalArn === f.bob.arn)!;
    assert.ok(typeof bob.lastUsedAt === 'number' && Date.now() - bob.lastUsedAt < 300_000, `kept across the restart: ${JSON.stringify(bob)}`);
    const doctor = await entryway(s, ['doctor', '--cluster', 'stage', '-o', 'json']);
    const findings = (JSON.parse(doctor.stdout) as { findings: Array<{ code: string; subject: string; message: string }> }).findings.filter((x) => x.code === 'unused_entry');
    assert.deepEqual(findings.map((x) => x.subject).sort(), [f.adminArn, f.bob.arn].sort());
    assert.match(findings.find((x) => x.subject === f.bob.arn)!.message, /^unused for \d+ s: last used \d{4}-/);
    assert.match(findings.find((x) => x.subject === f.adminArn)!.message, /^unused for \d+ s: nobody has authenticated with this access entry since it was created/);
    const quiet = await entryway(s, ['doctor', '--cluster', 'stage', '--unused-days', '1', '-o', 'json']);
    assert.ok(!(JSON.parse(quiet.stdout) as { findings: Array<{ code: string }> }).findings.some((x) => x.code === 'unused_entry'), '--unused-days overrides the server threshold');
    const metrics = await s.get('/metrics');
    assert.match(metrics.text, /^entryway_unused_access_entries\{cluster="stage"\} 2$/m, metrics.text.split('\n').filter((l) => l.includes('unused')).join('\n'));
  } finally {
    await s.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
