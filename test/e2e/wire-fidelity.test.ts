/**
 * Where Entryway must answer exactly as real EKS and aws-iam-authenticator do (issue: wire fidelity):
 * - update params JSON-encoded (`"\"API_AND_CONFIG_MAP\""`), through the AWS CLI;
 * - access-policy operations on node-typed entries refused with EKS's message (AWS CLI + SDK);
 * - a non-POST to a webhook or kubectl review endpoint is 405 with `Allow: POST`;
 * - a body that is not a review is HTTP 400 with a short reason; a review with a bad token stays 200.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssociateAccessPolicyCommand, CreateAccessEntryCommand, DisassociateAccessPolicyCommand, ListAssociatedAccessPoliciesCommand } from '@aws-sdk/client-eks';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { POLICY, assertCliError, createCluster, createRole, rejectsWith } from './lib.js';

const ONLY_STANDARD = 'This operation can only be performed on Access Entries with a type of "STANDARD".';

describe('wire fidelity with EKS and aws-iam-authenticator', () => {
  let s: TestServer;
  let eks: EKSClient;

  before(async () => {
    s = await startTestServer();
    eks = s.eks();
    await createCluster(eks, 'demo', 'API_AND_CONFIG_MAP');
  });
  after(async () => s.close());

  it('UpdateClusterConfig, DescribeUpdate and ListUpdates carry the mode as a JSON string (AWS CLI)', async () => {
    await createCluster(eks, 'mover');
    const u = await s.aws(['eks', 'update-cluster-config', '--name', 'mover', '--access-config', 'authenticationMode=API_AND_CONFIG_MAP']);
    assert.equal(u.code, 0, u.stderr);
    assert.deepEqual(u.json.update.params, [{ type: 'AuthenticationMode', value: '"API_AND_CONFIG_MAP"' }]);
    const d = await s.aws(['eks', 'describe-update', '--name', 'mover', '--update-id', u.json.update.id]);
    assert.equal(d.code, 0, d.stderr);
    assert.deepEqual(d.json.update.params, [{ type: 'AuthenticationMode', value: '"API_AND_CONFIG_MAP"' }]);
    const l = await s.aws(['eks', 'list-updates', '--name', 'mover']);
    assert.deepEqual(l.json.updateIds, [u.json.update.id]);
  });

  it('list-associated-access-policies on an EC2_LINUX entry is InvalidParameterException (AWS CLI)', async () => {
    const node = await createRole(s, 'nodes');
    await eks.send(new CreateAccessEntryCommand({ clusterName: 'demo', principalArn: node, type: 'EC2_LINUX' }));
    const r = await s.aws(['eks', 'list-associated-access-policies', '--cluster-name', 'demo', '--principal-arn', node]);
    assertCliError(r, 'InvalidParameterException', 'ListAssociatedAccessPolicies', ONLY_STANDARD);
  });

  it('every node type is refused by list, associate and disassociate; EC2 (Auto Mode) takes policies (SDK)', async () => {
    for (const type of ['EC2_WINDOWS', 'FARGATE_LINUX', 'HYBRID_LINUX', 'HYPERPOD_LINUX']) {
      const p = await createRole(s, `node-${type.toLowerCase().replace('_', '-')}`);
      await eks.send(new CreateAccessEntryCommand({ clusterName: 'demo', principalArn: p, type }));
      await rejectsWith(eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'demo', principalArn: p })), 'InvalidParameterException', 400, ONLY_STANDARD);
      await rejectsWith(
        eks.send(new AssociateAccessPolicyCommand({ clusterName: 'demo', principalArn: p, policyArn: POLICY('AmazonEKSViewPolicy'), accessScope: { type: 'cluster' } })),
        'InvalidParameterException',
        400,
        ONLY_STANDARD,
      );
      await rejectsWith(eks.send(new DisassociateAccessPolicyCommand({ clusterName: 'demo', principalArn: p, policyArn: POLICY('AmazonEKSViewPolicy') })), 'InvalidParameterException', 400, ONLY_STANDARD);
    }
    const auto = await createRole(s, 'auto-nodes');
    await eks.send(new CreateAccessEntryCommand({ clusterName: 'demo', principalArn: auto, type: 'EC2' }));
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'demo', principalArn: auto, policyArn: POLICY('AmazonEKSAutoNodePolicy'), accessScope: { type: 'cluster' } }));
    const listed = await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'demo', principalArn: auto }));
    assert.deepEqual(listed.associatedAccessPolicies?.map((a) => a.policyArn), [POLICY('AmazonEKSAutoNodePolicy')]);
    await eks.send(new DisassociateAccessPolicyCommand({ clusterName: 'demo', principalArn: auto, policyArn: POLICY('AmazonEKSAutoNodePolicy') }));
  });

  it('a non-POST to the webhooks and the kubectl review endpoints is 405 with Allow: POST', async () => {
    for (const path of ['/clusters/demo/authenticate', '/clusters/demo/authorize', '/clusters/nosuch/authenticate']) {
      const r = await s.get(path, { authorization: `Bearer ${s.webhookToken}` });
      assert.equal(r.status, 405, `GET ${path}: ${r.text}`);
      assert.match(r.text, /expected POST/);
      assert.equal(r.json.kind, 'Status');
    }
    for (const path of [
      '/k8s/demo/apis/authentication.k8s.io/v1/selfsubjectreviews',
      '/k8s/demo/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      '/k8s/demo/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
    ]) {
      const r = await s.get(path);
      assert.equal(r.status, 405, `GET ${path}: ${r.text}`);
      assert.deepEqual([r.json.kind, r.json.reason, r.json.code], ['Status', 'MethodNotAllowed', 405]);
    }
    // The Allow header, on the fast path and through Fastify alike.
    for (const path of ['/clusters/demo/authenticate', '/k8s/demo/apis/authorization.k8s.io/v1/selfsubjectaccessreviews']) {
      const res = await fetchRaw(s, 'DELETE', path);
      assert.equal(res.status, 405, path);
      assert.equal(res.headers.get('allow'), 'POST', `${path}: Allow`);
    }
  });

  it('a body that is not a review is HTTP 400 with a reason; a review with a bad token is 200, not authenticated', async () => {
    const bad: [string, string, RegExp][] = [
      ['/clusters/demo/authenticate', '', /expected a request body$/],
      ['/clusters/demo/authenticate', 'not json', /expected a request body to be a TokenReview/],
      ['/clusters/demo/authenticate', '[]', /to be a TokenReview/],
      ['/clusters/demo/authenticate', '{"apiVersion":"authentication.k8s.io/v2","spec":{"token":"x"}}', /unsupported apiVersion/],
      ['/clusters/demo/authenticate', '{"kind":"Pod","spec":{"token":"x"}}', /kind must be TokenReview/],
      ['/clusters/demo/authorize', '', /expected a request body$/],
      ['/clusters/demo/authorize', '{', /to be a SubjectAccessReview/],
      ['/clusters/demo/authorize', '{"spec":{"user":"u"}}', /to be a SubjectAccessReview/],
    ];
    for (const [path, body, message] of bad) {
      const r = await s.post(path, body);
      assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}: ${r.text}`);
      assert.deepEqual([r.json.kind, r.json.reason, r.json.code], ['Status', 'BadRequest', 400]);
      assert.match(r.json.message, message);
    }
    for (const body of ['{"spec":{"token":"x"}}', '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{}}', '{"spec":{"token":5}}']) {
      const r = await s.post('/clusters/demo/authenticate', body);
      assert.equal(r.status, 200, `${body}: ${r.text}`);
      assert.equal(r.json.status.authenticated, false);
      assert.ok(r.json.status.error.length > 0, 'status.error says why');
    }
    const sar = await s.post('/clusters/demo/authorize', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'u', resourceAttributes: { verb: 'get', resource: 'pods' } } });
    assert.equal(sar.status, 200, sar.text);
    assert.equal(sar.json.status.allowed, false);
  });
});

async function fetchRaw(s: TestServer, method: string, path: string): Promise<{ status: number; headers: Headers }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(`${s.url}${path}`, { method, ca: s.ca, headers: { authorization: `Bearer ${s.webhookToken}` } }, (res) => {
      res.resume();
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: h }));
    });
    req.on('error', reject);
    req.end();
  });
}
