/**
 * Terraform with the hashicorp/aws provider against Entryway: the IAM and EKS resources users write
 * next to access entries (test/fixtures/terraform/main.tf) — apply, a second plan with no changes,
 * import, and destroy.
 *
 * The provider is never downloaded: it comes from a local filesystem mirror, found in this order:
 * ENTRYWAY_TF_PLUGIN_DIR; the CLI config Terraform itself reads (TF_CLI_CONFIG_FILE or
 * ~/.terraformrc) when that file exists; Terraform's implicit local mirror directories; and any
 * directory directly under /opt that holds registry.terraform.io/hashicorp/aws. Without
 * terraform or a mirror the test skips with a message, and fails under CI=true.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DescribeAccessEntryCommand, DescribeClusterCommand } from '@aws-sdk/client-eks';
import { GetGroupCommand, GetUserCommand, ListGroupsForUserCommand } from '@aws-sdk/client-iam';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

const run = promisify(execFile);
const FIXTURE = fileURLToPath(new URL('../fixtures/terraform/main.tf', import.meta.url));

async function hasTerraform(): Promise<boolean> {
  try {
    await run('terraform', ['version']);
    return true;
  } catch {
    return false;
  }
}

/** A CLI config to use: Terraform's own when it exists, else one naming a mirror we found. */
function providerConfig(dir: string): string | undefined {
  const own = process.env.TF_CLI_CONFIG_FILE ?? join(homedir(), '.terraformrc');
  const mirrorOf = (root: string) => (existsSync(join(root, 'registry.terraform.io', 'hashicorp', 'aws')) ? root : undefined);
  let mirror = process.env.ENTRYWAY_TF_PLUGIN_DIR;
  if (mirror === undefined && existsSync(own)) return own;
  if (mirror === undefined) {
    const implicit = [join(homedir(), '.terraform.d', 'plugins'), join(homedir(), '.local', 'share', 'terraform', 'plugins'), '/usr/local/share/terraform/plugins', '/usr/share/terraform/plugins'];
    let opt: string[] = [];
    try {
      opt = readdirSync('/opt').map((d) => join('/opt', d));
    } catch {
      // no /opt
    }
    mirror = [...implicit, ...opt].find((d) => mirrorOf(d) !== undefined);
  }
  if (mirror === undefined) return undefined;
  const file = join(dir, 'cli.tfrc');
  writeFileSync(file, `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`);
  return file;
}

const work = mkdtempSync(join(tmpdir(), 'entryway-tf-'));
const cliConfig = (await hasTerraform()) ? providerConfig(work) : undefined;
const skip = cliConfig === undefined ? 'terraform or a local hashicorp/aws provider mirror is not on this machine (set ENTRYWAY_TF_PLUGIN_DIR)' : false;
if (skip && process.env.CI === 'true') throw new Error(`CI=true: ${skip}`);

describe('Terraform: IAM and EKS resources', { skip }, () => {
  let s: TestServer;
  let tf: (args: string[]) => Promise<{ code: number; out: string }>;

  before(async () => {
    s = await startTestServer({ config: { updateDurationMs: 0 } });
    copyFileSync(FIXTURE, join(work, 'main.tf'));
    const env = s.awsEnv(undefined, { TF_CLI_CONFIG_FILE: cliConfig as string, TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1' });
    delete env.AWS_ENDPOINT_URL; // the provider's endpoints block says where each service is
    delete env.AWS_CA_BUNDLE;
    const vars = ['-var', `endpoint=${s.url}`, '-var', `ca=${s.caPath}`];
    tf = async (args) => {
      const withVars = ['apply', 'plan', 'destroy', 'import'].includes(args[0] as string) ? [...args.slice(0, 1), ...vars, ...args.slice(1)] : args;
      try {
        const { stdout, stderr } = await run('terraform', ['-chdir=' + work, ...withVars, '-no-color'], { env, maxBuffer: 32 * 1024 * 1024 });
        return { code: 0, out: stdout + stderr };
      } catch (e) {
        const err = e as { code?: number; stdout?: string; stderr?: string };
        return { code: typeof err.code === 'number' ? err.code : 1, out: (err.stdout ?? '') + (err.stderr ?? String(e)) };
      }
    };
    const init = await tf(['init', '-input=false']);
    assert.equal(init.code, 0, init.out);
  });
  after(async () => {
    await s?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('applies, plans no changes, imports, and destroys', { timeout: 600_000 }, async () => {
    const apply = await tf(['apply', '-auto-approve']);
    assert.equal(apply.code, 0, apply.out);
    assert.match(apply.out, /Apply complete! Resources: 14 added/);

    // What Terraform made is what the APIs say.
    const iam = s.iam();
    const groups = await iam.send(new ListGroupsForUserCommand({ UserName: 'alice' }));
    assert.deepEqual(groups.Groups?.map((g) => g.Arn), [`arn:aws:iam::${s.accountId}:group/teams/platform`]);
    const entry = await s.eks().send(new DescribeAccessEntryCommand({ clusterName: 'prod', principalArn: `arn:aws:iam::${s.accountId}:role/deployer` }));
    assert.deepEqual(entry.accessEntry?.kubernetesGroups, ['deployers']);
    const cluster = await s.eks().send(new DescribeClusterCommand({ name: 'prod' }));
    assert.equal(cluster.cluster?.accessConfig?.authenticationMode, 'API');

    const plan = await tf(['plan', '-detailed-exitcode']);
    assert.equal(plan.code, 0, `a second plan must show no changes:\n${plan.out}`);

    // Forget three resources and import them back: the plan must again be empty.
    const rm = await tf(['state', 'rm', 'aws_iam_group.platform', 'aws_eks_access_entry.deployer', 'aws_iam_user.alice']);
    assert.equal(rm.code, 0, rm.out);
    for (const [address, id] of [
      ['aws_iam_group.platform', 'platform'],
      ['aws_iam_user.alice', 'alice'],
      ['aws_eks_access_entry.deployer', `prod:arn:aws:iam::${s.accountId}:role/deployer`],
    ] as const) {
      const imported = await tf(['import', address, id]);
      assert.equal(imported.code, 0, imported.out);
    }
    const again = await tf(['plan', '-detailed-exitcode']);
    assert.equal(again.code, 0, `after import the plan must show no changes:\n${again.out}`);

    const destroy = await tf(['destroy', '-auto-approve']);
    assert.equal(destroy.code, 0, destroy.out);
    assert.match(destroy.out, /Destroy complete! Resources: 14 destroyed/);
    await assert.rejects(iam.send(new GetUserCommand({ UserName: 'alice' })), { name: 'NoSuchEntityException' });
    await assert.rejects(iam.send(new GetGroupCommand({ GroupName: 'platform' })), { name: 'NoSuchEntityException' });
    await assert.rejects(s.eks().send(new DescribeClusterCommand({ name: 'prod' })), { name: 'ResourceNotFoundException' });
  });
});
