import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from './server.js';

test('harness: a started server answers the AWS CLI, the SDK and the webhooks', async () => {
  const s = await startTestServer();
  try {
    const cli = await s.aws(['sts', 'get-caller-identity']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.json.Account, s.accountId, 'CLI sees the bootstrap account');
    const { clusters } = await s.eks().send(new (await import('@aws-sdk/client-eks')).ListClustersCommand({}));
    assert.deepEqual(clusters, [], 'no clusters yet');
    const r = await s.post('/clusters/none/authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'x' } });
    assert.equal(r.status, 200, 'webhook answers');
    assert.equal(r.json.status.authenticated, false, 'unknown token refused');
  } finally {
    await s.close();
  }
});
