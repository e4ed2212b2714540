/**
 * Idempotency (clientRequestToken) and hostile input: every malformed request is a 4xx with
 * `x-amzn-ErrorType` and JSON `{message}`, nothing crashes, and nothing is half-written.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessEntryCommand, ListAccessEntriesCommand, ListClustersCommand, ListUpdatesCommand } from '@aws-sdk/client-eks';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import type { HttpReply } from './lib.js';
import { POLICY, assertAwsError, createCluster, enc, signed } from './lib.js';

const OTHER = '444455556666';
const P = `arn:aws:iam::${OTHER}:role/target`;

/** A 4xx in AWS's rest-json error shape. */
function assert4xx(r: HttpReply, what: string): void {
  assert.ok(r.status >= 400 && r.status < 500, `${what}: 4xx, got ${r.status} ${r.text.slice(0, 200)}`);
  assert.ok(r.errorType, `${what}: x-amzn-ErrorType set (${r.text.slice(0, 200)})`);
  assert.equal(typeof r.json?.message, 'string', `${what}: JSON {message}`);
}

describe('idempotency with clientRequestToken', () => {
  let s: TestServer;
  let eks: EKSClient;
  before(async () => {
    s = await startTestServer();
    eks = s.eks();
    await createCluster(eks, 'idem', 'API_AND_CONFIG_MAP', false);
  });
  after(async () => s.close());

  it('CreateAccessEntry: the same token and body return the same response and create one entry; another body is refused', async () => {
    const body = { principalArn: `arn:aws:iam::${OTHER}:role/idem`, kubernetesGroups: ['devs'], clientRequestToken: 'tok-entry-1' };
    const first = await signed(s, 'POST', '/clusters/idem/access-entries', body);
    assert.equal(first.status, 200, first.text);
    const again = await signed(s, 'POST', '/clusters/idem/access-entries', body);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.text, first.text, 'byte-identical response');
    // Same request from a client that orders members differently.
    const reordered = await signed(s, 'POST', '/clusters/idem/access-entries', { clientRequestToken: 'tok-entry-1', kubernetesGroups: ['devs'], principalArn: body.principalArn });
    assert.equal(reordered.text, first.text, 'member order does not matter');
    const other = await signed(s, 'POST', '/clusters/idem/access-entries', { ...body, kubernetesGroups: ['ops'] });
    assertAwsError(other, 'InvalidParameterException', 400, /clientRequestToken was already used/);
    const otherPrincipal = await signed(s, 'POST', '/clusters/idem/access-entries', { ...body, principalArn: `arn:aws:iam::${OTHER}:role/idem-2` });
    assertAwsError(otherPrincipal, 'InvalidParameterException', 400, /clientRequestToken was already used/);
    assert.deepEqual((await eks.send(new ListAccessEntriesCommand({ clusterName: 'idem' }))).accessEntries, [body.principalArn], 'one entry');
    // Through the SDK with an explicit token.
    const input = { clusterName: 'idem', principalArn: `arn:aws:iam::${OTHER}:user/sdk`, clientRequestToken: 'tok-sdk' };
    const a = await eks.send(new CreateAccessEntryCommand(input));
    const b = await eks.send(new CreateAccessEntryCommand(input));
    assert.equal(b.accessEntry?.accessEntryArn, a.accessEntry?.accessEntryArn, 'same entry ARN');
    // Without a token a retry is a duplicate.
    const plain = await signed(s, 'POST', '/clusters/idem/access-entries', { principalArn: input.principalArn });
    assertAwsError(plain, 'ResourceInUseException', 409, 'The specified access entry resource is already in use on this cluster.');
  });

  it('CreateCluster: a retry returns the same cluster and creates nothing twice', async () => {
    const body = { name: 'idem-cluster', roleArn: 'arn:aws:iam::111122223333:role/eks', resourcesVpcConfig: { subnetIds: ['subnet-1'] }, accessConfig: { authenticationMode: 'API' }, clientRequestToken: 'tok-cluster' };
    const first = await signed(s, 'POST', '/clusters', body);
    assert.equal(first.status, 200, first.text);
    const again = await signed(s, 'POST', '/clusters', body);
    assert.equal(again.text, first.text, 'same response');
    assert.equal(first.json.cluster.clientRequestToken, 'tok-cluster', 'the token is echoed');
    const other = await signed(s, 'POST', '/clusters', { ...body, version: '1.31' });
    assertAwsError(other, 'InvalidParameterException', 400, /clientRequestToken was already used/);
    const names = (await eks.send(new ListClustersCommand({}))).clusters ?? [];
    assert.equal(names.filter((n) => n === 'idem-cluster').length, 1, 'one cluster');
    assert.deepEqual((await eks.send(new ListAccessEntriesCommand({ clusterName: 'idem-cluster' }))).accessEntries?.length, 1, 'one creator entry');
  });

  it('UpdateClusterConfig: a retry returns the same update and records one', async () => {
    await createCluster(eks, 'idem-upd');
    const body = { accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' }, clientRequestToken: 'tok-update' };
    const first = await signed(s, 'POST', '/clusters/idem-upd/update-config', body);
    assert.equal(first.status, 200, first.text);
    const again = await signed(s, 'POST', '/clusters/idem-upd/update-config', body);
    assert.equal(again.status, 200, `a retry is not "Unsupported authentication mode update": ${again.text}`);
    assert.equal(again.json.update.id, first.json.update.id, 'same update id');
    const other = await signed(s, 'POST', '/clusters/idem-upd/update-config', { ...body, accessConfig: { authenticationMode: 'API' } });
    assertAwsError(other, 'InvalidParameterException', 400, /clientRequestToken was already used/);
    assert.deepEqual((await eks.send(new ListUpdatesCommand({ name: 'idem-upd' }))).updateIds, [first.json.update.id], 'one update');
  });

  it('regression: a clientRequestToken that is not a string of 1–64 characters is refused, not ignored', async () => {
    for (const token of [5, true, {}, ['t'], '', 'x'.repeat(65)]) {
      const r = await signed(s, 'POST', '/clusters/idem/access-entries', { principalArn: `arn:aws:iam::${OTHER}:role/tok-type`, clientRequestToken: token });
      assertAwsError(r, 'InvalidParameterException', 400, /clientRequestToken/);
    }
    assert.ok(!((await eks.send(new ListAccessEntriesCommand({ clusterName: 'idem' }))).accessEntries ?? []).includes(`arn:aws:iam::${OTHER}:role/tok-type`), 'nothing created');
  });
});

describe('malformed input', () => {
  let s: TestServer;
  let eks: EKSClient;
  let snapshot: () => Promise<unknown>;
  let before0: unknown;
  before(async () => {
    s = await startTestServer();
    eks = s.eks();
    await createCluster(eks, 'm', 'API', false);
    await eks.send(new CreateAccessEntryCommand({ clusterName: 'm', principalArn: P }));
    snapshot = async () => ({
      clusters: (await signed(s, 'GET', '/clusters')).json,
      entries: (await signed(s, 'GET', '/clusters/m/access-entries')).json,
      entry: (await signed(s, 'GET', `/clusters/m/access-entries/${enc(P)}`)).json,
      policies: (await signed(s, 'GET', `/clusters/m/access-entries/${enc(P)}/access-policies`)).json,
      updates: (await signed(s, 'GET', '/clusters/m/updates')).json,
      tags: (await signed(s, 'GET', `/tags/${enc(`arn:aws:eks:us-east-1:${s.accountId}:cluster/m`)}`)).json,
    });
    before0 = await snapshot();
  });
  after(async () => s.close());

  const writes = (p: string): [string, string][] => [
    ['POST', '/clusters'],
    ['POST', '/clusters/m/access-entries'],
    ['POST', `/clusters/m/access-entries/${enc(p)}`],
    ['POST', `/clusters/m/access-entries/${enc(p)}/access-policies`],
    ['POST', '/clusters/m/update-config'],
    ['POST', `/tags/${enc('arn:aws:eks:us-east-1:000000000000:cluster/m')}`],
  ];

  it('bodies that are not a JSON object: SerializationException 400', async () => {
    for (const [method, path] of writes(P)) {
      for (const raw of ['{bad', '[1,2]', 'null', '"text"', '42', '{"a":1}{', '\u0000', '{"principalArn": "x"']) {
        const r = await signed(s, method, path, undefined, { rawBody: raw });
        assertAwsError(r, 'SerializationException', 400);
      }
    }
  });

  it('wrong types for every member of CreateAccessEntry, AssociateAccessPolicy and CreateCluster: 400', async () => {
    const wrong: unknown[] = [5, true, null, [], {}, 'x'];
    const entry = { principalArn: `arn:aws:iam::${OTHER}:role/typed` };
    for (const key of ['principalArn', 'kubernetesGroups', 'tags', 'username', 'type', 'clientRequestToken']) {
      for (const v of wrong) {
        if (v === null) continue; // null means absent
        if (key === 'principalArn' && typeof v === 'string') continue;
        if (key === 'username' && v === 'x') continue; // a valid username
        if (key === 'clientRequestToken' && v === 'x') continue; // a valid token
        if (key === 'kubernetesGroups' && Array.isArray(v)) continue; // [] is valid
        const r = await signed(s, 'POST', '/clusters/m/access-entries', { ...entry, [key]: v });
        assert4xx(r, `CreateAccessEntry ${key}=${JSON.stringify(v)}`);
      }
    }
    for (const [key, bad] of [
      ['policyArn', [5, true, [], {}, 'x']],
      ['accessScope', [5, true, [], 'cluster', {}, { type: 5 }, { type: 'namespace', namespaces: 'dev' }, { type: 'namespace', namespaces: [5] }]],
    ] as const) {
      for (const v of bad) {
        const body = { policyArn: POLICY('AmazonEKSViewPolicy'), accessScope: { type: 'cluster' }, [key]: v };
        const r = await signed(s, 'POST', `/clusters/m/access-entries/${enc(P)}/access-policies`, body);
        assert4xx(r, `AssociateAccessPolicy ${key}=${JSON.stringify(v)}`);
      }
    }
    const cluster = { name: 'typed', roleArn: 'arn:aws:iam::111122223333:role/eks', resourcesVpcConfig: { subnetIds: ['subnet-1'] } };
    const clusterBad: [string, unknown[]][] = [
      ['name', [5, true, [], {}, '', '-bad', 'x'.repeat(101)]],
      ['roleArn', [5, true, [], {}, 'not-an-arn']],
      ['resourcesVpcConfig', [5, true, [], 'subnet-1', { subnetIds: 'subnet-1' }, { subnetIds: [5] }, { endpointPublicAccess: 'yes' }]],
      ['version', [5, true, [], {}, 'latest']],
      ['accessConfig', [5, true, [], 'API', { authenticationMode: 5 }, { authenticationMode: 'api' }, { bootstrapClusterCreatorAdminPermissions: 'true' }]],
      ['tags', [5, true, [], 'a=b', { a: 5 }, {}]],
      ['logging', [5, true, [], 'on', { clusterLogging: {} }]],
      ['kubernetesNetworkConfig', [5, [], 'x', { ipFamily: 5 }]],
      ['upgradePolicy', [5, [], 'x', { supportType: 5 }]],
      ['deletionProtection', [5, 'true', [], {}]],
      ['clientRequestToken', [5, true, [], {}]],
    ];
    for (const [key, values] of clusterBad) {
      for (const v of values) {
        const r = await signed(s, 'POST', '/clusters', { ...cluster, [key]: v });
        assert4xx(r, `CreateCluster ${key}=${JSON.stringify(v)}`);
      }
    }
    for (const key of ['name', 'roleArn', 'resourcesVpcConfig']) {
      const { [key as keyof typeof cluster]: _omit, ...rest } = cluster;
      assert4xx(await signed(s, 'POST', '/clusters', rest), `CreateCluster without ${key}`);
    }
    assert.deepEqual(await snapshot(), before0, 'nothing was written');
  });

  it('huge strings are refused with 400, not stored', async () => {
    const huge = 'a'.repeat(600_000);
    const cases: [string, string, unknown][] = [
      ['POST', '/clusters/m/access-entries', { principalArn: `arn:aws:iam::${OTHER}:role/${huge}` }],
      ['POST', '/clusters/m/access-entries', { principalArn: `arn:aws:iam::${OTHER}:role/huge`, username: `a:${huge}` }],
      ['POST', '/clusters/m/access-entries', { principalArn: `arn:aws:iam::${OTHER}:role/huge`, kubernetesGroups: [huge] }],
      ['POST', '/clusters/m/access-entries', { principalArn: `arn:aws:iam::${OTHER}:role/huge`, tags: { [huge]: 'v' } }],
      ['POST', '/clusters/m/access-entries', { principalArn: `arn:aws:iam::${OTHER}:role/huge`, type: huge }],
      ['POST', '/clusters/m/access-entries', { principalArn: `arn:aws:iam::${OTHER}:role/huge`, clientRequestToken: huge }],
      ['POST', `/clusters/m/access-entries/${enc(P)}/access-policies`, { policyArn: POLICY(huge), accessScope: { type: 'cluster' } }],
      ['POST', `/clusters/m/access-entries/${enc(P)}/access-policies`, { policyArn: POLICY('AmazonEKSViewPolicy'), accessScope: { type: 'namespace', namespaces: [huge] } }],
      ['POST', '/clusters', { name: huge, roleArn: 'arn:aws:iam::111122223333:role/eks', resourcesVpcConfig: {} }],
      ['POST', '/clusters', { name: 'h', roleArn: `arn:aws:iam::111122223333:role/${huge}`, resourcesVpcConfig: {} }],
      ['POST', '/clusters', { name: 'h', roleArn: 'arn:aws:iam::111122223333:role/eks', resourcesVpcConfig: { subnetIds: [huge] } }],
    ];
    for (const [method, path, body] of cases) {
      const r = await signed(s, method, path, body);
      assert.equal(r.status, 400, `${path} ${JSON.stringify(body).slice(0, 80)}: ${r.text.slice(0, 200)}`);
      assert4xx(r, path);
    }
    const longPath = await signed(s, 'GET', `/clusters/m/access-entries/${enc(`arn:aws:iam::${OTHER}:role/${'b'.repeat(3000)}`)}`);
    assert4xx(longPath, 'a 3,000-character principalArn in the path');
    assert.deepEqual(await snapshot(), before0, 'nothing was written');
  });

  it('regression: a body over the limit is 413 RequestEntityTooLargeException in AWS shape', async () => {
    for (const [method, path] of writes(P)) {
      const r = await signed(s, method, path, undefined, { rawBody: `{"x":"${'y'.repeat(1024 * 1024 + 10)}"}` });
      assertAwsError(r, 'RequestEntityTooLargeException', 413, /larger than the 1048576-byte limit/);
    }
    assert.deepEqual(await snapshot(), before0, 'nothing was written');
  });

  it('unknown routes and methods: UnknownOperationException 404', async () => {
    const cases: [string, string][] = [
      ['GET', '/clusters/m/nope'],
      ['PUT', '/clusters/m'],
      ['PATCH', '/clusters'],
      ['POST', '/access-policies'],
      ['DELETE', '/access-policies'],
      ['GET', '/tags'],
      ['GET', '/clusters/m/access-entries/x/access-policies/y/z'],
      ['POST', '/clusters/m/node-groups'],
    ];
    for (const [method, path] of cases) assertAwsError(await signed(s, method, path), 'UnknownOperationException', 404);
  });

  it('URL-encoding oddities in path parameters are 4xx, never a wrong entry', async () => {
    const NF = "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.";
    const ok = await signed(s, 'GET', `/clusters/m/access-entries/${enc(P)}`);
    assert.equal(ok.json?.accessEntry?.principalArn, P, 'encoded ARN finds the entry');
    const lower = await signed(s, 'GET', `/clusters/m/access-entries/${enc(P).replace(/%2F/g, '%2f').replace(/%3A/g, '%3a')}`);
    assert.equal(lower.json?.accessEntry?.principalArn, P, 'lower-case escapes decode the same');
    assertAwsError(await signed(s, 'GET', `/clusters/m/access-entries/${enc(enc(P))}`), 'ResourceNotFoundException', 404, NF);
    assertAwsError(await signed(s, 'GET', `/clusters/m/access-entries/${enc(P)}%00garbage`), 'ResourceNotFoundException', 404, NF);
    assertAwsError(await signed(s, 'GET', `/clusters/m/access-entries/${enc(P)}%20`), 'ResourceNotFoundException', 404, NF);
    assertAwsError(await signed(s, 'GET', `/clusters/m/access-entries/${enc(P.toUpperCase())}`), 'ResourceNotFoundException', 404, NF);
    // An unencoded '/' splits the path: no operation has that shape.
    assertAwsError(await signed(s, 'GET', `/clusters/m/access-entries/${P}`), 'UnknownOperationException', 404);
    assertAwsError(await signed(s, 'DELETE', `/clusters/m/access-entries/${enc(P)}/access-policies/${POLICY('AmazonEKSViewPolicy')}`), 'UnknownOperationException', 404);
    assertAwsError(await signed(s, 'DELETE', `/clusters/m/access-entries/${enc(P)}/access-policies/${enc(enc(POLICY('AmazonEKSViewPolicy')))}`), 'ResourceNotFoundException', 404);
    assertAwsError(await signed(s, 'GET', `/clusters/${enc('m/x')}`), 'ResourceNotFoundException', 404);
    assertAwsError(await signed(s, 'GET', `/tags/${enc(enc(`arn:aws:eks:us-east-1:${s.accountId}:cluster/m`))}`), 'BadRequestException', 400);
    const deleted = await signed(s, 'DELETE', `/clusters/m/access-entries/${enc(P)}x`);
    assertAwsError(deleted, 'ResourceNotFoundException', 404, NF);
    assert.deepEqual(await snapshot(), before0, 'nothing was written');
  });

  it('regression: NUL and other control bytes in names, ARNs, filters, tokens are 4xx on every store (PostgreSQL refuses NUL)', async () => {
    const NF = "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.";
    const forged = Buffer.from(JSON.stringify({ v: 1, l: 'clusters', a: 'x\u0000' })).toString('base64url');
    const forgedEntries = Buffer.from(JSON.stringify({ v: 1, l: 'entries/m/', a: '\u0000' })).toString('base64url');
    const cases: [string, string, unknown, string, number][] = [
      ['GET', '/clusters/m%00', undefined, 'ResourceNotFoundException', 404],
      ['DELETE', '/clusters/m%00x', undefined, 'ResourceNotFoundException', 404],
      ['GET', '/clusters/m%0A/updates', undefined, 'ResourceNotFoundException', 404],
      ['POST', '/clusters/m%00/update-config', { accessConfig: { authenticationMode: 'API' }, clientRequestToken: 'nul-name' }, 'ResourceNotFoundException', 404],
      ['POST', '/clusters/m%00/access-entries', { principalArn: `arn:aws:iam::${OTHER}:role/x`, clientRequestToken: 'nul-name-2' }, 'ResourceNotFoundException', 404],
      ['GET', `/clusters/m/access-entries/${enc(P)}%00`, undefined, 'ResourceNotFoundException', 404],
      ['POST', `/clusters/m/access-entries/${enc(P)}%00`, { username: 'x' }, 'ResourceNotFoundException', 404],
      ['DELETE', `/clusters/m/access-entries/${enc(P)}%01`, undefined, 'ResourceNotFoundException', 404],
      ['GET', `/clusters/m/access-entries/${enc(P)}%00/access-policies`, undefined, 'ResourceNotFoundException', 404],
      ['DELETE', `/clusters/m/access-entries/${enc(P)}/access-policies/${enc(POLICY('AmazonEKSViewPolicy'))}%00`, undefined, 'ResourceNotFoundException', 404],
      ['GET', `/tags/${enc(`arn:aws:eks:us-east-1:${s.accountId}:cluster/m\u0000`)}`, undefined, 'NotFoundException', 404],
      ['GET', `/clusters/m/access-entries?nextToken=${forgedEntries}`, undefined, 'InvalidParameterException', 400],
      ['GET', `/clusters?nextToken=${forged}`, undefined, 'InvalidParameterException', 400],
      ['POST', '/clusters/m/access-entries', { principalArn: `arn:aws:iam::${OTHER}:role/x`, clientRequestToken: 'tok\u0000' }, 'InvalidParameterException', 400],
    ];
    for (const [method, path, body, type, status] of cases) {
      const r = await signed(s, method, path, body);
      assertAwsError(r, type, status);
      if (type === 'ResourceNotFoundException' && path.includes('access-entries/') && !path.includes('access-policies/')) assert.equal(r.json.message, NF, path);
    }
    const filtered = await signed(s, 'GET', `/clusters/m/access-entries?associatedPolicyArn=${enc('arn:aws:eks::aws:cluster-access-policy/X\u0000')}`);
    assert.equal(filtered.status, 200, filtered.text);
    assert.deepEqual(filtered.json.accessEntries, [], 'an ARN that names no policy filters everything out');
    assert.deepEqual(await snapshot(), before0, 'nothing was written');
  });

  it('invalid percent-encoding is a 400 in AWS shape', async () => {
    assertAwsError(await signed(s, 'GET', '/clusters/m/access-entries/%ZZ'), 'BadRequestException', 400);
    assertAwsError(await signed(s, 'GET', `/clusters/m/access-entries/${enc(P)}%E0%A4%A`), 'BadRequestException', 400);
  });
});
