/**
 * Identity provider config operations through @aws-sdk/client-eks: validation and EKS errors on
 * the wire, the one-update-in-flight rule, per-version limits, pagination, idempotency, IAM
 * authorization (resources and the eks:issuerUrl / eks:clientId condition keys), and updates.
 * No OpenID Provider is needed here (oidc.test.ts covers tokens).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  AssociateIdentityProviderConfigCommand,
  CreateClusterCommand,
  DeleteClusterCommand,
  DescribeClusterCommand,
  DescribeIdentityProviderConfigCommand,
  DescribeUpdateCommand,
  DisassociateIdentityProviderConfigCommand,
  ListIdentityProviderConfigsCommand,
  ListUpdatesCommand,
} from '@aws-sdk/client-eks';
import type { AuthenticationMode, EKSClient, OidcIdentityProviderConfigRequest } from '@aws-sdk/client-eks';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import type { Credentials, TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { rejectsWith, signed } from './lib.js';

async function cluster(eks: EKSClient, name: string, version?: string, authenticationMode: AuthenticationMode = 'API'): Promise<void> {
  await eks.send(
    new CreateClusterCommand({
      name,
      roleArn: 'arn:aws:iam::111122223333:role/eks',
      resourcesVpcConfig: { subnetIds: ['subnet-1'] },
      accessConfig: { authenticationMode },
      ...(version ? { version } : {}),
    }),
  );
}

const oidc = (name: string, issuer = `https://${name}.idp.example`, extra: Partial<OidcIdentityProviderConfigRequest> = {}): OidcIdentityProviderConfigRequest => ({
  identityProviderConfigName: name,
  issuerUrl: issuer,
  clientId: 'kubernetes',
  ...extra,
});
const ref = (name: string) => ({ type: 'oidc', name });

test('identity provider configs: validation, limits, pagination, idempotency (updates complete at once)', async (t) => {
  const s = await startTestServer();
  const eks = s.eks();
  try {
    await cluster(eks, 'demo');
    await cluster(eks, 'old', '1.31');
    await cluster(eks, 'legacy', undefined, 'CONFIG_MAP');

    await t.test('invalid input is InvalidParameterException', async () => {
      const cases: [string, Partial<OidcIdentityProviderConfigRequest>, RegExp][] = [
        ['http issuer', { issuerUrl: 'http://idp.example' }, /must begin with https/],
        ['issuer with a query', { issuerUrl: 'https://idp.example/?x=1' }, /query or a fragment/],
        ['usernamePrefix with system:', { usernamePrefix: 'system:' }, /usernamePrefix must not contain system:/],
        ['groupsPrefix with system:', { groupsPrefix: 'corp:system:' }, /groupsPrefix must not contain system:/],
        ['required claim key of 64 characters', { requiredClaims: { ['k'.repeat(64)]: 'v' } }, /keys must be 1 to 63/],
        ['required claim value of 254 characters', { requiredClaims: { k: 'v'.repeat(254) } }, /1 to 253/],
        ['name with a slash', { identityProviderConfigName: 'a/b' }, /identityProviderConfigName/],
        ['empty clientId', { clientId: '' }, /clientId is required/],
      ];
      for (const [label, o, message] of cases) {
        await rejectsWith(eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: { ...oidc('bad'), ...o } })), 'InvalidParameterException', 400, message).catch((e: unknown) => {
          throw new Error(`${label}: ${String(e)}`);
        });
      }
      // Shapes the SDK will not send: plain signed requests.
      const noOidc = await signed(s, 'POST', '/clusters/demo/identity-provider-configs/associate', {});
      assert.equal(noOidc.errorType, 'InvalidParameterException', noOidc.text);
      const saml = await signed(s, 'POST', '/clusters/demo/identity-provider-configs/describe', { identityProviderConfig: { type: 'saml', name: 'x' } });
      assert.equal(saml.errorType, 'InvalidParameterException', saml.text);
      assert.match(saml.json.message, /The only type available is oidc/, 'only oidc');
      await rejectsWith(eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: oidc('t'), tags: { 'aws:x': 'y' } })), 'InvalidParameterException', 400, /reserved/);
    });

    await t.test('unknown cluster, unknown config', async () => {
      await rejectsWith(eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'nope', oidc: oidc('a') })), 'ResourceNotFoundException', 404, 'No cluster found for name: nope.');
      await rejectsWith(eks.send(new ListIdentityProviderConfigsCommand({ clusterName: 'nope' })), 'ResourceNotFoundException', 404, 'No cluster found for name: nope.');
      const msg = 'No config found for cluster: demo, config type: oidc, config name: ghost';
      await rejectsWith(eks.send(new DescribeIdentityProviderConfigCommand({ clusterName: 'demo', identityProviderConfig: ref('ghost') })), 'ResourceNotFoundException', 404, msg);
      await rejectsWith(eks.send(new DisassociateIdentityProviderConfigCommand({ clusterName: 'demo', identityProviderConfig: ref('ghost') })), 'ResourceNotFoundException', 404, msg);
    });

    await t.test('duplicates: same name is ResourceInUseException, same issuer InvalidParameterException', async () => {
      await eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: oidc('corp', 'https://corp.idp.example') }));
      await rejectsWith(eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: oidc('corp', 'https://x.idp.example') })), 'ResourceInUseException', 409, /named corp is already associated/);
      await rejectsWith(
        eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: oidc('corp2', 'https://corp.idp.example', { clientId: 'other' }) })),
        'InvalidParameterException',
        400,
        /already associated .* even with a different clientId/,
      );
    });

    await t.test("the cluster's own OIDC issuer is refused with EKS's message", async () => {
      const issuer = (await eks.send(new DescribeClusterCommand({ name: 'demo' }))).cluster?.identity?.oidc?.issuer;
      assert.ok(issuer, 'DescribeCluster reports identity.oidc.issuer');
      await rejectsWith(
        eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: oidc('own', issuer) })),
        'InvalidParameterException',
        400,
        'Incorrect Identity Provider URL configuration. The Identity Provider URL cannot be same as OpenID Connect (OIDC) issuer URL',
      );
    });

    await t.test('one provider before Kubernetes 1.32, ten from 1.32', async () => {
      await eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'old', oidc: oidc('one') }));
      await rejectsWith(eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'old', oidc: oidc('two') })), 'InvalidRequestException', 400, /only one can be associated before Kubernetes 1.32/);
      for (let i = 2; i <= 10; i++) await eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: oidc(`p${String(i).padStart(2, '0')}`) }));
      await rejectsWith(eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: oidc('p11') })), 'InvalidRequestException', 400, /already has 10 identity provider configs/);
    });

    await t.test('ListIdentityProviderConfigs pages by name', async () => {
      const names: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const r = await eks.send(new ListIdentityProviderConfigsCommand({ clusterName: 'demo', maxResults: 3, ...(nextToken ? { nextToken } : {}) }));
        for (const c of r.identityProviderConfigs ?? []) {
          assert.equal(c.type, 'oidc', 'type');
          names.push(c.name ?? '');
        }
        nextToken = r.nextToken;
        pages++;
      } while (nextToken);
      assert.deepEqual(names, ['corp', 'p02', 'p03', 'p04', 'p05', 'p06', 'p07', 'p08', 'p09', 'p10'], 'all, in order');
      assert.equal(pages, 4, 'pages of 3');
      await rejectsWith(eks.send(new ListIdentityProviderConfigsCommand({ clusterName: 'demo', nextToken: 'bogus' })), 'InvalidParameterException', 400, /nextToken/);
      await rejectsWith(eks.send(new ListIdentityProviderConfigsCommand({ clusterName: 'demo', maxResults: 101 })), 'InvalidParameterException', 400, /maxResults/);
      const other = await eks.send(new ListIdentityProviderConfigsCommand({ clusterName: 'old', maxResults: 1 }));
      const demoToken = (await eks.send(new ListIdentityProviderConfigsCommand({ clusterName: 'demo', maxResults: 1 }))).nextToken;
      await rejectsWith(eks.send(new ListIdentityProviderConfigsCommand({ clusterName: 'old', nextToken: demoToken })), 'InvalidParameterException', 400, /nextToken/);
      assert.equal(other.nextToken, undefined, 'a single page has no nextToken');
    });

    await t.test('combined configs are limited to 12 KB', async () => {
      await cluster(eks, 'big');
      const claims = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`${'c'.repeat(60)}${i}`, 'v'.repeat(253)]));
      for (const n of ['b1', 'b2', 'b3']) await eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'big', oidc: oidc(n, undefined, { requiredClaims: claims }) }));
      await rejectsWith(eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'big', oidc: oidc('b4', undefined, { requiredClaims: claims }) })), 'InvalidParameterException', 400, /would exceed 12288 bytes/);
    });

    await t.test('works in CONFIG_MAP mode; describe echoes every field and tags', async () => {
      await eks.send(
        new AssociateIdentityProviderConfigCommand({
          clusterName: 'legacy',
          oidc: oidc('corp', 'https://idp.example/realms/corp', { usernameClaim: 'preferred_username', usernamePrefix: '-', groupsClaim: 'roles', groupsPrefix: 'kc:', requiredClaims: { hd: 'corp.example' } }),
          tags: { env: 'dev' },
        }),
      );
      const o = (await eks.send(new DescribeIdentityProviderConfigCommand({ clusterName: 'legacy', identityProviderConfig: ref('corp') }))).identityProviderConfig?.oidc;
      assert.equal(o?.status, 'ACTIVE', 'ACTIVE at once with a zero update duration');
      assert.equal(o?.usernameClaim, 'preferred_username', 'usernameClaim');
      assert.equal(o?.usernamePrefix, '-', 'usernamePrefix');
      assert.equal(o?.groupsClaim, 'roles', 'groupsClaim');
      assert.equal(o?.groupsPrefix, 'kc:', 'groupsPrefix');
      assert.deepEqual(o?.requiredClaims, { hd: 'corp.example' }, 'requiredClaims');
      assert.deepEqual(o?.tags, { env: 'dev' }, 'tags');
      assert.equal(o?.clusterName, 'legacy', 'clusterName');
      // The config's ARN is taggable like EKS's other resources.
      const resourceArn = o?.identityProviderConfigArn as string;
      await eks.send(new TagResourceCommand({ resourceArn, tags: { team: 'platform' } }));
      await eks.send(new UntagResourceCommand({ resourceArn, tagKeys: ['env'] }));
      assert.deepEqual((await eks.send(new ListTagsForResourceCommand({ resourceArn }))).tags, { team: 'platform' }, 'TagResource/UntagResource on the config');
    });

    await t.test('clientRequestToken: a retry returns the first answer; another body with it is refused', async () => {
      await cluster(eks, 'idem');
      const first = await eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'idem', oidc: oidc('x'), clientRequestToken: 'tok-1' }));
      const again = await eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'idem', oidc: oidc('x'), clientRequestToken: 'tok-1' }));
      assert.equal(again.update?.id, first.update?.id, 'same update');
      await rejectsWith(eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'idem', oidc: oidc('y'), clientRequestToken: 'tok-1' })), 'InvalidParameterException', 400, /clientRequestToken/);
    });

    await t.test('disassociation with a zero update duration removes the config; the name can be reused', async () => {
      const d = await eks.send(new DisassociateIdentityProviderConfigCommand({ clusterName: 'idem', identityProviderConfig: ref('x') }));
      assert.equal(d.update?.type, 'DisassociateIdentityProviderConfig', 'type');
      assert.deepEqual(d.update?.params, [{ type: 'IdentityProviderConfig', value: '[{"type":"oidc","name":"x"}]' }], 'params');
      const l = await eks.send(new ListIdentityProviderConfigsCommand({ clusterName: 'idem' }));
      assert.deepEqual(l.identityProviderConfigs, [], 'gone');
      await eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'idem', oidc: oidc('x', 'https://new.idp.example') }));
      const ups = await eks.send(new ListUpdatesCommand({ name: 'idem' }));
      assert.equal(ups.updateIds?.length, 3, 'associate, disassociate, associate');
    });

    await t.test('deleting a cluster removes its configs', async () => {
      await eks.send(new DeleteClusterCommand({ name: 'idem' }));
      await cluster(eks, 'idem');
      const l = await eks.send(new ListIdentityProviderConfigsCommand({ clusterName: 'idem' }));
      assert.deepEqual(l.identityProviderConfigs, [], 'a re-created cluster starts empty');
    });
  } finally {
    await s.close();
  }
});

test('identity provider configs: one update in flight per cluster, CREATING/DELETING by the clock', async () => {
  let skew = 0;
  const s = await startTestServer({ config: { updateDurationMs: 20_000 }, now: () => Date.now() + skew });
  const eks = s.eks();
  try {
    await cluster(eks, 'demo');
    const first = await eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: oidc('a') }));
    assert.equal(first.update?.status, 'InProgress', 'in progress');
    const describe = async (name: string) => (await eks.send(new DescribeIdentityProviderConfigCommand({ clusterName: 'demo', identityProviderConfig: ref(name) }))).identityProviderConfig?.oidc?.status;
    assert.equal(await describe('a'), 'CREATING', 'CREATING');
    const inUse = `Cannot AssociateIdentityProviderConfig because cluster demo currently has update ${first.update?.id} in progress`;
    await rejectsWith(eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: oidc('b') })), 'ResourceInUseException', 409, inUse);
    await rejectsWith(
      eks.send(new DisassociateIdentityProviderConfigCommand({ clusterName: 'demo', identityProviderConfig: ref('a') })),
      'ResourceInUseException',
      409,
      `Cannot DisassociateIdentityProviderConfig because cluster demo currently has update ${first.update?.id} in progress`,
    );
    const c = await eks.send(new DescribeClusterCommand({ name: 'demo' }));
    assert.equal(c.cluster?.status, 'UPDATING', 'the cluster is UPDATING meanwhile');

    skew += 20_000;
    assert.equal(await describe('a'), 'ACTIVE', 'ACTIVE once the update completes');
    const u = await eks.send(new DescribeUpdateCommand({ name: 'demo', updateId: first.update?.id }));
    assert.equal(u.update?.status, 'Successful', 'update Successful');
    const d = await eks.send(new DisassociateIdentityProviderConfigCommand({ clusterName: 'demo', identityProviderConfig: ref('a') }));
    assert.equal(await describe('a'), 'DELETING', 'DELETING');
    assert.deepEqual((await eks.send(new ListIdentityProviderConfigsCommand({ clusterName: 'demo' }))).identityProviderConfigs, [ref('a')], 'still listed while DELETING');
    await rejectsWith(
      eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: oidc('b') })),
      'ResourceInUseException',
      409,
      `Cannot AssociateIdentityProviderConfig because cluster demo currently has update ${d.update?.id} in progress`,
    );
    skew += 20_000;
    await rejectsWith(eks.send(new DescribeIdentityProviderConfigCommand({ clusterName: 'demo', identityProviderConfig: ref('a') })), 'ResourceNotFoundException', 404, /No config found/);
    assert.deepEqual((await eks.send(new ListIdentityProviderConfigsCommand({ clusterName: 'demo' }))).identityProviderConfigs, [], 'gone');
    // Re-associating the same name after the disassociation completed works (the old row is purged).
    await eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: oidc('a') }));
    assert.equal(await describe('a'), 'CREATING', 'a new association');
  } finally {
    await s.close();
  }
});

test('identity provider configs: IAM authorization with resources and condition keys', async () => {
  const s: TestServer = await startTestServer();
  try {
    const eks = s.eks();
    await cluster(eks, 'demo');
    await eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: oidc('corp') }));
    await eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: oidc('other') }));
    const iam = s.iam();
    await iam.send(new CreateUserCommand({ UserName: 'idp-admin' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'idp-admin' }))).AccessKey;
    assert.ok(key?.AccessKeyId && key.SecretAccessKey, 'access key');
    const arn = (rest: string) => `arn:aws:eks:us-east-1:${s.accountId}:${rest}`;
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'eks:DescribeIdentityProviderConfig', Resource: arn('identityproviderconfig/demo/oidc/corp/*') },
        { Effect: 'Allow', Action: 'eks:AssociateIdentityProviderConfig', Resource: arn('cluster/demo'), Condition: { StringEquals: { 'eks:issuerUrl': 'https://good.idp.example', 'eks:clientId': 'kubernetes' } } },
      ],
    };
    await iam.send(new PutUserPolicyCommand({ UserName: 'idp-admin', PolicyName: 'idp', PolicyDocument: JSON.stringify(policy) }));
    const creds: Credentials = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
    const limited = s.eks(creds);
    const o = await limited.send(new DescribeIdentityProviderConfigCommand({ clusterName: 'demo', identityProviderConfig: ref('corp') }));
    assert.equal(o.identityProviderConfig?.oidc?.identityProviderConfigName, 'corp', 'allowed resource');
    await rejectsWith(limited.send(new DescribeIdentityProviderConfigCommand({ clusterName: 'demo', identityProviderConfig: ref('other') })), 'AccessDeniedException', 403);
    await rejectsWith(limited.send(new ListIdentityProviderConfigsCommand({ clusterName: 'demo' })), 'AccessDeniedException', 403);
    await rejectsWith(limited.send(new DisassociateIdentityProviderConfigCommand({ clusterName: 'demo', identityProviderConfig: ref('corp') })), 'AccessDeniedException', 403);
    await rejectsWith(limited.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: oidc('evil', 'https://evil.idp.example') })), 'AccessDeniedException', 403);
    await rejectsWith(
      limited.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: oidc('good', 'https://good.idp.example', { clientId: 'other' }) })),
      'AccessDeniedException',
      403,
    );
    const ok = await limited.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: oidc('good', 'https://good.idp.example') }));
    assert.equal(ok.update?.type, 'AssociateIdentityProviderConfig', 'allowed by the condition keys');
  } finally {
    await s.close();
  }
});
