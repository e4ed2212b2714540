import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { allAccessPolicies } from '../policy/catalogue.js';
import type { CompiledGrants, Decision, Grant, RequestAttributes } from '../policy/engine.js';
import { compileGrants, decide } from '../policy/engine.js';
import type { AccessScope } from '../policy/scope.js';
import { namespaceMatches } from '../policy/scope.js';
import type { PolicyKey } from '../policy/testdata/cases.js';
import { CASES, POLICIES, res } from '../policy/testdata/cases.js';
import type { SubjectAccessReviewApiVersion } from './sar.js';
import { InvalidSubjectAccessReviewError, SAR_LIMITS, SAR_V1, SAR_V1BETA1, buildSubjectAccessReviewResponse, parseSubjectAccessReview, principalIdFromReview } from './sar.js';

const PRINCIPAL_ARN = 'arn:aws:iam::111122223333:role/dev';
const PRINCIPAL_ID = 'AROAEXAMPLEEXAMPLE01';
const UID = `aws-iam-authenticator:111122223333:${PRINCIPAL_ID}`;
const VERSIONS: readonly SubjectAccessReviewApiVersion[] = [SAR_V1, SAR_V1BETA1];

interface Identity {
  readonly uid?: string;
  readonly extra?: Record<string, string[]>;
}
const IAM_USER: Identity = {
  uid: UID,
  extra: {
    principalId: [PRINCIPAL_ID],
    'sigs.k8s.io/aws-iam-authenticator/principalId': [PRINCIPAL_ID],
    canonicalArn: [PRINCIPAL_ARN],
    arn: ['arn:aws:sts::111122223333:assumed-role/dev/alice'],
    sessionName: ['alice'],
  },
};

/** A SubjectAccessReview body as kube-apiserver sends it (omitempty fields left out). */
function sarBody(apiVersion: SubjectAccessReviewApiVersion, attrs: RequestAttributes, who: Identity = IAM_USER): Record<string, unknown> {
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== '') attributes[k] = v as string;
  const spec: Record<string, unknown> = {
    ['path' in attrs ? 'nonResourceAttributes' : 'resourceAttributes']: attributes,
    user: 'arn:aws:sts::111122223333:assumed-role/dev/alice',
    [apiVersion === SAR_V1 ? 'groups' : 'group']: ['system:authenticated'],
  };
  if (who.uid !== undefined) spec['uid'] = who.uid;
  if (who.extra !== undefined) spec['extra'] = who.extra;
  return { apiVersion, kind: 'SubjectAccessReview', metadata: { creationTimestamp: null }, spec, status: { allowed: false } };
}

const NOTHING = compileGrants([]);

/** The webhook pipeline: codec → principal → engine → codec, through a JSON round trip. */
function review(body: unknown, byPrincipalId: ReadonlyMap<string, CompiledGrants>): { apiVersion: string; kind: string; status: Record<string, unknown> } {
  const wire = JSON.parse(JSON.stringify(body)) as unknown;
  const parsed = parseSubjectAccessReview(wire);
  let response;
  if (!parsed.ok) {
    response = buildSubjectAccessReviewResponse(parsed.error.apiVersion, parsed.error);
  } else {
    const who = principalIdFromReview(parsed.review);
    const decision: Decision = who.ok ? decide(byPrincipalId.get(who.principalId) ?? NOTHING, parsed.review.attrs) : { allowed: false };
    response = buildSubjectAccessReviewResponse(parsed.review.apiVersion, decision);
  }
  return JSON.parse(JSON.stringify(response)) as ReturnType<typeof review>;
}

const SCOPES: readonly AccessScope[] = [
  { type: 'cluster', namespaces: [] },
  { type: 'namespace', namespaces: ['team-a', 'dev-*'] },
  { type: 'namespace', namespaces: ['*'] },
  { type: 'namespace', namespaces: ['other'] },
];

describe('published policies through the SubjectAccessReview webhook (v1 and v1beta1)', () => {
  for (const [key, policy] of Object.entries(POLICIES) as [PolicyKey, string][]) {
    describe(policy, () => {
      const policyArn = `arn:aws:eks::aws:cluster-access-policy/${policy}`;
      const indexes = SCOPES.map((scope) => new Map([[PRINCIPAL_ID, compileGrants([{ principalArn: PRINCIPAL_ARN, principalId: PRINCIPAL_ID, policyArn, scope }])]]));
      for (const c of CASES) {
        it(c.label, () => {
          const atClusterScope = c.allow.includes(key);
          SCOPES.forEach((scope, i) => {
            const ns = 'path' in c.attrs ? '' : c.attrs.namespace;
            const want = scope.type === 'cluster' ? atClusterScope : atClusterScope && ns !== '' && scope.namespaces.some((p) => namespaceMatches(p, ns));
            for (const v of VERSIONS) {
              const out = review(sarBody(v, c.attrs), indexes[i]!);
              const where = `${v} ${JSON.stringify(scope)}`;
              assert.equal(out.apiVersion, v, where);
              assert.equal(out.kind, 'SubjectAccessReview', where);
              assert.equal('denied' in out.status, false, where);
              if (!want) {
                assert.deepEqual(out.status, { allowed: false }, where);
                continue;
              }
              const binding = scope.type === 'cluster' ? `ClusterRoleBinding "${PRINCIPAL_ARN}+${policyArn}"` : `RoleBinding "${PRINCIPAL_ARN}+${policyArn}/${ns}"`;
              assert.deepEqual(out.status, { allowed: true, reason: `EKS Access Policy: allowed by ${binding} of ClusterRole "${policyArn}" to User "${PRINCIPAL_ID}"` }, where);
            }
          });
        });
      }
    });
  }

  it('undocumented policies grant nothing for any case, scope or version', () => {
    for (const p of allAccessPolicies().filter((x) => !x.rulesDocumented)) {
      for (const scope of SCOPES) {
        const index = new Map([[PRINCIPAL_ID, compileGrants([{ principalArn: PRINCIPAL_ARN, principalId: PRINCIPAL_ID, policyArn: p.arn, scope }])]]);
        for (const c of CASES) for (const v of VERSIONS) assert.deepEqual(review(sarBody(v, c.attrs), index).status, { allowed: false }, `${p.name} ${c.label}`);
      }
    }
  });

  it('impersonated or foreign users get no grants, even with ClusterAdmin', () => {
    const grants: Grant[] = [{ principalArn: PRINCIPAL_ARN, principalId: PRINCIPAL_ID, policyArn: `arn:aws:eks::aws:cluster-access-policy/${POLICIES.CA}`, scope: SCOPES[0]! }];
    const index = new Map([[PRINCIPAL_ID, compileGrants(grants)]]);
    const attrs = res('delete', '', 'namespaces', 'kube-system', '', 'kube-system');
    for (const v of VERSIONS) {
      assert.equal(review(sarBody(v, attrs), index).status['allowed'], true);
      for (const who of [{}, { uid: UID }, { extra: { principalId: ['AROAOTHER'] }, uid: 'aws-iam-authenticator:111122223333:AROAOTHER' }, { extra: { principalId: [PRINCIPAL_ID] }, uid: 'impersonated' }]) {
        assert.deepEqual(review(sarBody(v, attrs, who), index).status, { allowed: false }, JSON.stringify(who));
      }
    }
  });
});

describe('parseSubjectAccessReview', () => {
  it('parses a v1 resource review', () => {
    const body = sarBody(SAR_V1, res('list', 'apps', 'deployments', 'dev-team1'));
    (body['spec'] as Record<string, unknown>)['resourceAttributes'] = {
      ...((body['spec'] as Record<string, unknown>)['resourceAttributes'] as object),
      fieldSelector: { requirements: [{ key: 'metadata.name', operator: 'In', values: ['x'] }] },
      labelSelector: { requirements: [] },
    };
    const r = parseSubjectAccessReview(body);
    assert.ok(r.ok, 'r.ok');
    assert.equal(r.review.apiVersion, SAR_V1);
    assert.deepEqual(r.review.attrs, { namespace: 'dev-team1', verb: 'list', group: 'apps', version: 'v1', resource: 'deployments', subresource: '', name: '' });
    assert.deepEqual(r.review.groups, ['system:authenticated']);
    assert.equal(r.review.uid, UID);
    assert.equal(r.review.user, 'arn:aws:sts::111122223333:assumed-role/dev/alice');
    assert.deepEqual(r.review.extra.get('principalId'), [PRINCIPAL_ID]);
  });

  it('reads groups from spec.group in v1beta1 and spec.groups in v1, ignoring the other', () => {
    const spec = { nonResourceAttributes: { path: '/healthz', verb: 'get' }, group: ['g-beta'], groups: ['g-v1'] };
    const beta = parseSubjectAccessReview({ apiVersion: SAR_V1BETA1, kind: 'SubjectAccessReview', spec });
    const v1 = parseSubjectAccessReview({ apiVersion: SAR_V1, kind: 'SubjectAccessReview', spec });
    assert.ok(beta.ok && v1.ok, 'beta.ok && v1.ok');
    assert.deepEqual(beta.review.groups, ['g-beta']);
    assert.deepEqual(v1.review.groups, ['g-v1']);
    assert.deepEqual(v1.review.attrs, { path: '/healthz', verb: 'get' });
  });

  it('treats absent and null optional fields as empty', () => {
    const r = parseSubjectAccessReview({ apiVersion: SAR_V1, kind: 'SubjectAccessReview', spec: { resourceAttributes: { verb: 'get', resource: 'pods', namespace: null }, nonResourceAttributes: null, extra: { a: null }, groups: null, uid: null } });
    assert.ok(r.ok, 'r.ok');
    assert.deepEqual(r.review.attrs, { namespace: '', verb: 'get', group: '', version: '', resource: 'pods', subresource: '', name: '' });
    assert.deepEqual(r.review.groups, []);
    assert.deepEqual(r.review.extra.get('a'), []);
    assert.equal(r.review.uid, '');
    assert.equal(r.review.user, '');
  });

  it('keeps hostile extra keys as plain data', () => {
    const r = parseSubjectAccessReview(JSON.parse('{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"nonResourceAttributes":{"path":"/","verb":"get"},"extra":{"__proto__":["x"],"constructor":["y"]}}}'));
    assert.ok(r.ok, 'r.ok');
    assert.deepEqual([...r.review.extra.keys()], ['__proto__', 'constructor']);
  });

  const v1 = (spec: unknown): unknown => ({ apiVersion: SAR_V1, kind: 'SubjectAccessReview', spec });
  const ra = { verb: 'get', resource: 'pods' };
  const huge = 'x'.repeat(SAR_LIMITS.maxString + 1);
  const bad: [string, unknown, string][] = [
    ['null', null, '$'],
    ['array', [], '$'],
    ['string', 'SubjectAccessReview', '$'],
    ['number', 42, '$'],
    ['boolean', true, '$'],
    ['empty object', {}, 'apiVersion'],
    ['unknown apiVersion', { apiVersion: 'authorization.k8s.io/v2', kind: 'SubjectAccessReview', spec: { resourceAttributes: ra } }, 'apiVersion'],
    ['TokenReview', { apiVersion: SAR_V1, kind: 'TokenReview', spec: { resourceAttributes: ra } }, 'kind'],
    ['missing spec', { apiVersion: SAR_V1, kind: 'SubjectAccessReview' }, 'spec'],
    ['null spec', v1(null), 'spec'],
    ['array spec', v1([ra]), 'spec'],
    ['neither attribute kind', v1({ user: 'u' }), 'spec'],
    ['both attribute kinds', v1({ resourceAttributes: ra, nonResourceAttributes: { path: '/', verb: 'get' } }), 'spec'],
    ['resourceAttributes is an array', v1({ resourceAttributes: [ra] }), 'spec.resourceAttributes'],
    ['resourceAttributes is a string', v1({ resourceAttributes: 'pods' }), 'spec.resourceAttributes'],
    ['nonResourceAttributes is an array', v1({ nonResourceAttributes: ['/healthz'] }), 'spec.nonResourceAttributes'],
    ['verb is a number', v1({ resourceAttributes: { verb: 1, resource: 'pods' } }), 'spec.resourceAttributes.verb'],
    ['namespace is an object', v1({ resourceAttributes: { ...ra, namespace: {} } }), 'spec.resourceAttributes.namespace'],
    ['path is an array', v1({ nonResourceAttributes: { path: ['/'], verb: 'get' } }), 'spec.nonResourceAttributes.path'],
    ['huge name', v1({ resourceAttributes: { ...ra, name: huge } }), 'spec.resourceAttributes.name'],
    ['huge path', v1({ nonResourceAttributes: { path: huge, verb: 'get' } }), 'spec.nonResourceAttributes.path'],
    ['huge user', v1({ resourceAttributes: ra, user: huge }), 'spec.user'],
    ['user is a number', v1({ resourceAttributes: ra, user: 7 }), 'spec.user'],
    ['uid is an object', v1({ resourceAttributes: ra, uid: {} }), 'spec.uid'],
    ['groups is a string', v1({ resourceAttributes: ra, groups: 'system:masters' }), 'spec.groups'],
    ['groups holds a number', v1({ resourceAttributes: ra, groups: ['a', 1] }), 'spec.groups[1]'],
    ['huge group', v1({ resourceAttributes: ra, groups: [huge] }), 'spec.groups[0]'],
    ['too many groups', v1({ resourceAttributes: ra, groups: Array.from({ length: SAR_LIMITS.maxGroups + 1 }, (_, i) => `g${i}`) }), 'spec.groups'],
    ['v1beta1 group is an object', { apiVersion: SAR_V1BETA1, kind: 'SubjectAccessReview', spec: { resourceAttributes: ra, group: {} } }, 'spec.group'],
    ['extra is an array', v1({ resourceAttributes: ra, extra: [['principalId', 'x']] }), 'spec.extra'],
    ['extra value is a string', v1({ resourceAttributes: ra, extra: { principalId: 'AROA' } }), 'spec.extra["principalId"]'],
    ['extra value holds null', v1({ resourceAttributes: ra, extra: { principalId: [null] } }), 'spec.extra["principalId"][0]'],
    ['too many extra keys', v1({ resourceAttributes: ra, extra: Object.fromEntries(Array.from({ length: SAR_LIMITS.maxExtraKeys + 1 }, (_, i) => [`k${i}`, []])) }), 'spec.extra'],
  ];
  for (const [name, body, field] of bad) {
    it(`rejects ${name} with an evaluationError`, () => {
      const r = parseSubjectAccessReview(body);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.ok(r.error instanceof InvalidSubjectAccessReviewError, 'r.error instanceof InvalidSubjectAccessReviewError');
      assert.equal(r.error.field, field);
      assert.ok(r.error.message.length < 300, 'messages stay short');
      const out = buildSubjectAccessReviewResponse(r.error.apiVersion, r.error);
      assert.deepEqual(Object.keys(out.status), ['allowed', 'evaluationError']);
      assert.equal(out.status.allowed, false);
    });
  }

  it('echoes a v1beta1 apiVersion in errors once it is known', () => {
    const r = parseSubjectAccessReview({ apiVersion: SAR_V1BETA1, kind: 'SubjectAccessReview', spec: null });
    assert.ok(!r.ok && r.error.apiVersion === SAR_V1BETA1, '!r.ok && r.error.apiVersion === SAR_V1BETA1');
    const s = parseSubjectAccessReview({ apiVersion: 'nope' });
    assert.ok(!s.ok && s.error.apiVersion === SAR_V1, '!s.ok && s.error.apiVersion === SAR_V1');
  });

  it('never throws on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        parseSubjectAccessReview(v);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary values shaped like a review', () => {
    const loose = fc.anything({ maxDepth: 3, withNullPrototype: true, withMap: true, withBigInt: true });
    const spec = fc.record({ resourceAttributes: loose, nonResourceAttributes: loose, user: loose, groups: loose, group: loose, uid: loose, extra: fc.oneof(loose, fc.dictionary(fc.string(), loose)) }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.constantFrom(SAR_V1, SAR_V1BETA1), fc.oneof(spec, loose), (apiVersion, s) => {
        const r = parseSubjectAccessReview({ apiVersion, kind: 'SubjectAccessReview', spec: s });
        if (r.ok) principalIdFromReview(r.review);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('principalIdFromReview', () => {
  const AUTH = 'sigs.k8s.io/aws-iam-authenticator/principalId';
  const who = (uid: string, extra: Record<string, string[]>) => ({ uid, extra: new Map(Object.entries(extra)) });
  const ok: [string, ReturnType<typeof who>, string, string | undefined, string | undefined][] = [
    ['both keys and uid agree', who('aws-iam-authenticator:111122223333:A1', { principalId: ['A1'], [AUTH]: ['A1'], canonicalArn: [PRINCIPAL_ARN] }), 'A1', PRINCIPAL_ARN, undefined],
    ['only principalId', who('', { principalId: ['A1'] }), 'A1', undefined, undefined],
    ['only the authenticator key', who('', { [AUTH]: ['A1'] }), 'A1', undefined, undefined],
    ['canonicalArn with two values is ignored', who('', { principalId: ['A1'], canonicalArn: ['x', 'y'] }), 'A1', undefined, undefined],
  ];
  for (const [name, review, id, canonicalArn] of ok) {
    it(`accepts: ${name}`, () => {
      const r = principalIdFromReview(review);
      assert.ok(r.ok, 'r.ok');
      assert.equal(r.principalId, id);
      assert.equal(r.canonicalArn, canonicalArn);
    });
  }
  it('returns the account from uid', () => {
    const r = principalIdFromReview(who('aws-iam-authenticator:111122223333:A1', { principalId: ['A1'] }));
    assert.ok(r.ok && r.accountId === '111122223333', 'account from uid');
  });

  const no: [string, ReturnType<typeof who>, 'Absent' | 'Malformed' | 'Conflict'][] = [
    ['no extra (impersonated)', who('', {}), 'Absent'],
    ['uid alone is never a source', who('aws-iam-authenticator:111122223333:A1', {}), 'Absent'],
    ['keys disagree', who('', { principalId: ['A1'], [AUTH]: ['A2'] }), 'Conflict'],
    ['uid names someone else', who('aws-iam-authenticator:111122223333:A2', { principalId: ['A1'] }), 'Conflict'],
    ['uid of another form', who('1234-5678', { principalId: ['A1'] }), 'Conflict'],
    ['uid with a bad account', who('aws-iam-authenticator:1111:A1', { principalId: ['A1'] }), 'Conflict'],
    ['two values', who('', { principalId: ['A1', 'A2'] }), 'Malformed'],
    ['no value', who('', { principalId: [] }), 'Malformed'],
    ['empty value', who('', { [AUTH]: [''] }), 'Malformed'],
  ];
  for (const [name, review, reason] of no) {
    it(`no principal: ${name}`, () => {
      const r = principalIdFromReview(review);
      assert.ok(!r.ok, '!r.ok');
      assert.equal(r.reason, reason);
    });
  }
});

describe('buildSubjectAccessReviewResponse', () => {
  const grant: Grant = { principalArn: 'p', principalId: 'i', policyArn: 'a', scope: { type: 'cluster', namespaces: [] } };
  it('allow', () => {
    assert.deepEqual(buildSubjectAccessReviewResponse(SAR_V1BETA1, { allowed: true, reason: 'r', grant }), { apiVersion: SAR_V1BETA1, kind: 'SubjectAccessReview', status: { allowed: true, reason: 'r' } });
  });
  it('no opinion has no denied field', () => {
    assert.deepEqual(buildSubjectAccessReviewResponse(SAR_V1, { allowed: false }), { apiVersion: SAR_V1, kind: 'SubjectAccessReview', status: { allowed: false } });
  });
  it('evaluation error', () => {
    assert.deepEqual(buildSubjectAccessReviewResponse(SAR_V1, new Error('boom')), { apiVersion: SAR_V1, kind: 'SubjectAccessReview', status: { allowed: false, evaluationError: 'boom' } });
  });
});
