/**
 * The user's journey (WALKTHROUGH.md) end to end, as a user types it in one shell: `entryway serve`
 * as a real process, `eval "$(entryway env)"`, the AWS CLI, alice's kubectl against Entryway's
 * endpoint, `entryway can-i`, the webhook configuration, and moving a cluster off aws-auth.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { kill, serveProcess } from '../helpers/process.js';
import type { ServeProcess } from '../helpers/process.js';

const run = promisify(execFile);
const built = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const source = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const entrywayCmd = existsSync(built) ? `node ${built}` : `node --import tsx ${source}`;

let dir: string;
let home: string;
let server: ServeProcess;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'entryway-walkthrough-'));
  home = mkdtempSync(join(tmpdir(), 'entryway-home-'));
  server = await serveProcess(['--data-dir', join(dir, '.entryway'), '--listen', '127.0.0.1:0', '--log-level', 'warn']);
});

after(async () => {
  if (server) await kill(server, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

/** One shell session; `entryway` is the CLI, HOME is private (kubeconfig, caches). */
async function shell(script: string): Promise<{ code: number; out: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('KUBE')) env[k] = v;
  env.HOME = home;
  env.AWS_CONFIG_FILE = join(home, 'aws-config');
  try {
    const { stdout, stderr } = await run('bash', ['-c', `entryway() { ${entrywayCmd} "$@"; }\ncd ${dir}\n${script}`], { env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? 1, out: (err.stdout ?? '') + (err.stderr ?? '') };
  }
}

test('the walkthrough: create a cluster, give alice View, and let her check her access with kubectl', async () => {
  const setup = await shell(`set -e
eval "$(entryway env)"
ACCT=$(aws sts get-caller-identity --query Account --output text)
aws eks create-cluster --name demo --role-arn arn:aws:iam::$ACCT:role/eks \\
    --resources-vpc-config subnetIds=subnet-1 \\
    --access-config authenticationMode=API_AND_CONFIG_MAP > /dev/null
aws iam create-user --user-name alice > /dev/null && aws iam create-access-key --user-name alice > alice.json
aws iam attach-user-policy --user-name alice --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess
aws eks create-access-entry --cluster-name demo --principal-arn arn:aws:iam::$ACCT:user/alice > /dev/null
aws eks associate-access-policy --cluster-name demo --principal-arn arn:aws:iam::$ACCT:user/alice \\
    --policy-arn arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy --access-scope type=cluster > /dev/null
echo "ACCT=$ACCT"
`);
  assert.equal(setup.code, 0, setup.out);
  const acct = /ACCT=(\d{12})/.exec(setup.out)?.[1] as string;
  const alice = JSON.parse(readFileSync(join(dir, 'alice.json'), 'utf8')).AccessKey;

  const asAlice = await shell(`
eval "$(entryway env)"
unset AWS_PROFILE; export AWS_ACCESS_KEY_ID=${alice.AccessKeyId} AWS_SECRET_ACCESS_KEY=${alice.SecretAccessKey}
aws eks update-kubeconfig --name demo > /dev/null || exit 10
echo "--- whoami"; kubectl auth whoami || exit 11
echo "--- list pods -A: $(kubectl auth can-i list pods -A)"
echo "--- create deployments -n dev: $(kubectl auth can-i create deployments -n dev)"
echo "--- entryway can-i"; entryway can-i --cluster demo --principal arn:aws:iam::${acct}:user/alice get secrets -n prod; echo "exit=$?"
`);
  assert.match(asAlice.out, new RegExp(`Username\\s+arn:aws:iam::${acct}:user/alice`), asAlice.out);
  assert.match(asAlice.out, /Groups\s+\[system:authenticated\]/);
  assert.match(asAlice.out, /Extra: principalId\s+\[AIDA[A-Z2-7]{17}\]/);
  assert.match(asAlice.out, /--- list pods -A: yes/);
  assert.match(asAlice.out, /--- create deployments -n dev: no/);
  assert.match(asAlice.out, /--- entryway can-i\nno\n\s+as arn:aws:iam::\d+:user\/alice\n\s+why: its one associated access policy \(AmazonEKSViewPolicy\) does not allow this request[^\n]*\n\s+rbac: no snapshot imported \(defaults only\)\nexit=1/);
});

test('wiring a real cluster, and moving an existing cluster off aws-auth', async () => {
  const r = await shell(`set -e
eval "$(entryway env)"
ACCT=$(aws sts get-caller-identity --query Account --output text)
entryway kubeconfig webhooks --cluster demo --out ./webhooks > /dev/null
ls webhooks
aws eks create-cluster --name legacy --role-arn arn:aws:iam::$ACCT:role/eks --resources-vpc-config subnetIds=subnet-1 > /dev/null
aws iam create-user --user-name bob > /dev/null
cat > aws-auth.yaml <<YAML
apiVersion: v1
kind: ConfigMap
metadata: {name: aws-auth, namespace: kube-system}
data:
  mapUsers: |
    - userarn: arn:aws:iam::$ACCT:user/bob
      username: bob
      groups: [system:masters]
YAML
entryway aws-auth apply --cluster legacy -f aws-auth.yaml
entryway migrate aws-auth --cluster legacy
entryway migrate aws-auth --cluster legacy --target-mode API --apply
aws eks describe-cluster --name legacy --query cluster.accessConfig.authenticationMode --output text
entryway audit --cluster legacy | grep -c AssociateAccessPolicy
entryway doctor --cluster legacy
`);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /authn-webhook\.kubeconfig\nauthorization-config\.yaml\nauthz-webhook\.kubeconfig\nkube-apiserver-flags\.txt/);
  assert.match(r.out, /applied: 0 mapRoles, 1 mapUsers, 0 mapAccounts/);
  assert.match(r.out, /system:masters becomes AmazonEKSClusterAdminPolicy/);
  assert.match(r.out, /authentication mode → API\n/);
  assert.match(r.out, /\nAPI\n/);
  assert.match(r.out, /cluster legacy \(API\): no findings/);
});
