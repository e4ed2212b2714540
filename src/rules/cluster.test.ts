import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AwsError } from '../errors/aws-error.js';
import { restJsonError } from '../aws/error-tables.js';
import type { AuthenticationMode, ClusterRecord, UpdateRecord } from '../model/types.js';
import { AUTHENTICATION_MODES } from '../model/types.js';
import { checkAuthenticationMode, checkClusterName, checkModeMove, clusterArn, effectiveCluster, isValidClusterName, partitionOf, updateStatus } from './cluster.js';
import { must } from './violation.js';

// The rules return violations; the assertions below read them as the EKS API answers them.
const validateClusterName = (n: unknown) => must(checkClusterName(n));
const parseAuthenticationMode = (m: unknown) => must(checkAuthenticationMode(m));
const assertModeMove = (from: AuthenticationMode, to: AuthenticationMode) => must(checkModeMove(from, to));

function throwsInvalidParameter(fn: () => unknown, message?: string | RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = restJsonError(e);
  }
  assert.ok(err instanceof AwsError, `expected an AwsError, got ${String(err)}`);
  assert.equal(err.code, 'InvalidParameterException', `code (message: ${err.message})`);
  assert.equal(err.status, 400, 'status');
  if (typeof message === 'string') assert.equal(err.message, message, 'message');
  else if (message) assert.match(err.message, message, 'message');
}

describe('validateClusterName', () => {
  const valid = ['a', 'A', '0', 'demo', 'my-cluster_1', 'x'.repeat(100), '9lives'];
  const invalid: unknown[] = ['', '-a', '_a', 'a.b', 'a b', 'a/b', 'ä', 'x'.repeat(101), 5, null, undefined, ['a']];
  for (const n of valid) it(`accepts ${JSON.stringify(n)}`, () => assert.equal(validateClusterName(n), n));
  it('isValidClusterName agrees without throwing', () => {
    for (const n of valid) assert.equal(isValidClusterName(n), true, String(n));
    for (const n of [...invalid, 'a\u0000', 'demo\n']) assert.equal(isValidClusterName(n), false, JSON.stringify(n));
  });
  for (const n of invalid) it(`refuses ${String(JSON.stringify(n)).slice(0, 40)}`, () => throwsInvalidParameter(() => validateClusterName(n), /^The cluster name must be 1 to 100 characters/));
});

describe('parseAuthenticationMode', () => {
  for (const m of AUTHENTICATION_MODES) it(`accepts ${m}`, () => assert.equal(parseAuthenticationMode(m), m));
  for (const m of ['api', 'Api', 'CONFIGMAP', '', 'API ', 5, null, undefined, ['API']]) {
    it(`refuses ${String(JSON.stringify(m))}`, () => throwsInvalidParameter(() => parseAuthenticationMode(m), /is not valid\. Valid values are API, API_AND_CONFIG_MAP, CONFIG_MAP\.$/));
  }
});

describe('assertModeMove (one way: CONFIG_MAP → API_AND_CONFIG_MAP → API)', () => {
  const allowed = new Set(['CONFIG_MAP>API_AND_CONFIG_MAP', 'API_AND_CONFIG_MAP>API']);
  for (const from of AUTHENTICATION_MODES) {
    for (const to of AUTHENTICATION_MODES) {
      const ok = allowed.has(`${from}>${to}`);
      it(`${from} → ${to}: ${ok ? 'allowed' : 'refused'}`, () => {
        if (ok) assert.doesNotThrow(() => assertModeMove(from, to));
        else throwsInvalidParameter(() => assertModeMove(from, to), `Unsupported authentication mode update from ${from} to ${to}`);
      });
    }
  }
});

const T0 = 1_700_000_000_000;

function cluster(over: Partial<ClusterRecord> = {}): ClusterRecord {
  return {
    name: 'demo',
    id: '00000000-0000-4000-8000-000000000000',
    accountId: '111122223333',
    region: 'us-east-1',
    arn: 'arn:aws:eks:us-east-1:111122223333:cluster/demo',
    createdAt: T0,
    readyAt: T0,
    version: '1.32',
    platformVersion: 'eks.1',
    roleArn: 'arn:aws:iam::111122223333:role/eks',
    spec: {},
    tags: {},
    authenticationMode: 'CONFIG_MAP',
    bootstrapClusterCreatorAdminPermissions: true,
    creator: { arn: 'a', principalArn: 'a', principalId: 'AIDA', accountId: '111122223333' },
    hiddenCreatorAdmin: true,
    settings: { lockoutProtection: true },
    ...over,
  };
}

function update(id: string, completesAt: number, over: Partial<UpdateRecord> = {}): UpdateRecord {
  return {
    id,
    clusterName: 'demo',
    type: 'AccessConfigUpdate',
    params: [],
    createdAt: completesAt - 1000,
    completesAt,
    finalStatus: 'Successful',
    applied: false,
    errors: [],
    effect: {},
    ...over,
  };
}

describe('updateStatus (by the clock)', () => {
  const cases: [number, 'Successful' | 'Failed' | 'Cancelled', string][] = [
    [T0 - 1, 'Successful', 'InProgress'],
    [T0, 'Successful', 'Successful'],
    [T0 + 1, 'Successful', 'Successful'],
    [T0 - 1, 'Failed', 'InProgress'],
    [T0, 'Failed', 'Failed'],
    [T0, 'Cancelled', 'Cancelled'],
  ];
  for (const [now, final, want] of cases) it(`now=T0${now - T0 >= 0 ? '+' : ''}${now - T0} final=${final} → ${want}`, () => assert.equal(updateStatus(update('u', T0, { finalStatus: final }), now), want));
});

describe('effectiveCluster (state by the clock)', () => {
  const toApi = (id: string, at: number, mode: AuthenticationMode, over: Partial<UpdateRecord> = {}) => update(id, at, { effect: { authenticationMode: mode }, ...over });
  interface Case {
    name: string;
    cluster: Partial<ClusterRecord>;
    updates: UpdateRecord[];
    now: number;
    status: 'CREATING' | 'ACTIVE' | 'UPDATING';
    mode: AuthenticationMode;
    inProgress?: string;
    due: string[];
  }
  const cases: Case[] = [
    { name: 'CREATING until readyAt', cluster: { readyAt: T0 + 10 }, updates: [], now: T0 + 9, status: 'CREATING', mode: 'CONFIG_MAP', due: [] },
    { name: 'ACTIVE from readyAt', cluster: { readyAt: T0 + 10 }, updates: [], now: T0 + 10, status: 'ACTIVE', mode: 'CONFIG_MAP', due: [] },
    {
      name: 'UPDATING while a mode move is in progress; mode unchanged',
      cluster: {},
      updates: [toApi('u1', T0 + 3000, 'API_AND_CONFIG_MAP')],
      now: T0 + 2999,
      status: 'UPDATING',
      mode: 'CONFIG_MAP',
      inProgress: 'u1',
      due: [],
    },
    {
      name: 'the move takes effect at completesAt, before it is written',
      cluster: {},
      updates: [toApi('u1', T0 + 3000, 'API_AND_CONFIG_MAP')],
      now: T0 + 3000,
      status: 'ACTIVE',
      mode: 'API_AND_CONFIG_MAP',
      due: ['u1'],
    },
    {
      name: 'applied updates are already in the record',
      cluster: { authenticationMode: 'API_AND_CONFIG_MAP' },
      updates: [toApi('u1', T0, 'API_AND_CONFIG_MAP', { applied: true })],
      now: T0 + 1,
      status: 'ACTIVE',
      mode: 'API_AND_CONFIG_MAP',
      due: [],
    },
    {
      name: 'a failed update changes nothing but is still due (to be marked)',
      cluster: {},
      updates: [toApi('u1', T0, 'API_AND_CONFIG_MAP', { finalStatus: 'Failed' })],
      now: T0 + 1,
      status: 'ACTIVE',
      mode: 'CONFIG_MAP',
      due: ['u1'],
    },
    {
      name: 'two completed moves apply in completion order, whatever the list order',
      cluster: {},
      updates: [toApi('u2', T0 + 20, 'API'), toApi('u1', T0 + 10, 'API_AND_CONFIG_MAP')],
      now: T0 + 30,
      status: 'ACTIVE',
      mode: 'API',
      due: ['u1', 'u2'],
    },
    {
      name: 'one done, the next in progress',
      cluster: {},
      updates: [toApi('u1', T0 + 10, 'API_AND_CONFIG_MAP'), toApi('u2', T0 + 20, 'API')],
      now: T0 + 15,
      status: 'UPDATING',
      mode: 'API_AND_CONFIG_MAP',
      inProgress: 'u2',
      due: ['u1'],
    },
    {
      name: 'an update without a mode effect (logging) leaves the mode',
      cluster: { authenticationMode: 'API' },
      updates: [update('u1', T0 + 10, { type: 'LoggingUpdate', effect: { spec: { logging: {} } } })],
      now: T0 + 10,
      status: 'ACTIVE',
      mode: 'API',
      due: ['u1'],
    },
    {
      name: 'CREATING wins over UPDATING',
      cluster: { readyAt: T0 + 100 },
      updates: [toApi('u1', T0 + 200, 'API_AND_CONFIG_MAP')],
      now: T0 + 50,
      status: 'CREATING',
      mode: 'CONFIG_MAP',
      inProgress: 'u1',
      due: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const eff = effectiveCluster(cluster(c.cluster), c.updates, c.now);
      assert.equal(eff.status, c.status, 'status');
      assert.equal(eff.authenticationMode, c.mode, 'authenticationMode');
      assert.equal(eff.inProgress?.id, c.inProgress, 'inProgress');
      assert.deepEqual(
        eff.due.map((u) => u.id),
        c.due,
        'due',
      );
    });
  }
  it('does not reorder the caller’s list', () => {
    const list = [toApi('u2', T0 + 20, 'API'), toApi('u1', T0 + 10, 'API_AND_CONFIG_MAP')];
    effectiveCluster(cluster(), list, T0 + 30);
    assert.deepEqual(
      list.map((u) => u.id),
      ['u2', 'u1'],
      'input untouched',
    );
  });
});

describe('ARNs and partitions', () => {
  it('clusterArn', () => assert.equal(clusterArn('aws', 'eu-west-1', '111122223333', 'demo'), 'arn:aws:eks:eu-west-1:111122223333:cluster/demo'));
  const cases: [string, string][] = [
    ['us-east-1', 'aws'],
    ['eu-central-1', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
    ['eu-isoe-west-1', 'aws-iso-e'],
    ['us-isof-south-1', 'aws-iso-f'],
    ['eusc-de-east-1', 'aws-eusc'],
  ];
  for (const [region, partition] of cases) it(`${region} → ${partition}`, () => assert.equal(partitionOf(region), partition));
});
