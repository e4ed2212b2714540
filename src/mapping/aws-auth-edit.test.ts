import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAwsAuth } from './aws-auth.js';
import { addMapping, listMappings, removeMapping } from './aws-auth-edit.js';

const ROLE = 'arn:aws:iam::111122223333:role/admins';
const USER = 'arn:aws:iam::111122223333:user/alice';

const must = <T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> => {
  assert.ok(r.ok, JSON.stringify(r));
  return r as Extract<T, { ok: true }>;
};

test('adding to no document makes an aws-auth ConfigMap that parses to the same rows', () => {
  const a = must(addMapping(undefined, { arn: ROLE, username: 'admin', groups: ['system:masters'] }));
  const b = must(addMapping(a.yaml, { arn: USER, username: 'alice', groups: ['devs', 'ops'] }));
  const c = must(addMapping(b.yaml, { account: '444455556666' }));
  const parsed = parseAwsAuth(c.yaml);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.mapRoles.map((r) => [r.arn, r.username, r.groups]), [[ROLE, 'admin', ['system:masters']]]);
  assert.deepEqual(parsed.mapUsers.map((r) => [r.arn, r.username, r.groups]), [[USER, 'alice', ['devs', 'ops']]]);
  assert.deepEqual(parsed.mapAccounts, ['444455556666']);
  assert.match(c.yaml, /^apiVersion: v1\nkind: ConfigMap\nmetadata:\n {2}name: aws-auth\n {2}namespace: kube-system\n/);
  assert.match(c.yaml, /mapRoles: \|\n {4}- rolearn: arn:aws:iam::111122223333:role\/admins\n {6}username: admin\n {6}groups:\n {8}- system:masters\n/, 'eksctl key order, a block scalar');
  assert.deepEqual(listMappings(c.yaml), [{ rolearn: ROLE, username: 'admin', groups: ['system:masters'] }, { userarn: USER, username: 'alice', groups: ['devs', 'ops'] }, { account: '444455556666' }]);
});

test('the rest of the document is kept: comments, other sections, rows Entryway skips', () => {
  const source = `# managed by the platform team
apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapUsers: |
    # keep me
    - userarn: ${USER}
      username: alice
  mapRoles: |
    - rolearn: not-an-arn
      username: broken
`;
  const r = must(addMapping(source, { arn: ROLE, username: 'admin' }));
  assert.match(r.yaml, /^# managed by the platform team\n/);
  assert.match(r.yaml, /# keep me\n/);
  assert.match(r.yaml, /rolearn: not-an-arn/, 'a skipped row is not silently dropped');
  assert.match(r.yaml, /rolearn: arn:aws:iam::111122223333:role\/admins/);
});

test('duplicates: allowed by default, refused with --no-duplicate-arns; delete takes the first unless --all', () => {
  let y = must(addMapping(undefined, { arn: ROLE, username: 'one' })).yaml;
  y = must(addMapping(y, { arn: ROLE, username: 'two' })).yaml;
  const dup = addMapping(y, { arn: ROLE, username: 'three', noDuplicateArns: true });
  assert.deepEqual(dup.ok ? null : dup.code, 'duplicate_arn');
  const first = must(removeMapping(y, { arn: ROLE }));
  assert.deepEqual(first.removed, [{ rolearn: ROLE, username: 'one' }]);
  assert.equal(first.remaining, 1, 'one left with the same ARN');
  const all = must(removeMapping(y, { arn: ROLE, all: true }));
  assert.equal(all.removed.length, 2);
  assert.doesNotMatch(all.yaml, /mapRoles/, 'an emptied section goes');
  const none = removeMapping(all.yaml, { arn: ROLE });
  assert.equal(none.ok ? '' : none.message, `instance identity ARN "${ROLE}" not found in auth ConfigMap`);
});

test('refusals: bad ARNs and accounts, sections that are not lists', () => {
  for (const arn of ['nope', 'arn:aws:s3:::bucket', 'arn:aws:iam::111122223333:group/admins']) {
    const r = addMapping(undefined, { arn });
    assert.equal(r.ok ? '' : r.code, 'bad_arn', arn);
  }
  const acct = addMapping(undefined, { account: '12' });
  assert.equal(acct.ok ? '' : acct.code, 'bad_account');
  const odd = addMapping('data:\n  mapRoles: "rolearn: x"\n', { arn: ROLE });
  assert.equal(odd.ok ? '' : odd.code, 'unreadable_section');
  const dataOnly = must(addMapping('mapUsers: |\n  - userarn: ' + USER + '\n', { arn: ROLE, username: 'r' }));
  assert.doesNotMatch(dataOnly.yaml, /apiVersion/, 'a data-only document stays data-only');
  assert.ok(parseAwsAuth(dataOnly.yaml).ok);
});

test('--no-duplicate-arns with an unreadable other section: the role section alone decides', () => {
  const source = `data:\n  mapUsers: "not: [a list"\n  mapRoles: |\n    - rolearn: ${ROLE}\n      username: one\n`;
  const dup = addMapping(source, { arn: ROLE, username: 'two', noDuplicateArns: true });
  assert.equal(dup.ok ? '' : dup.code, 'duplicate_arn');
  const other = addMapping(source, { arn: 'arn:aws:iam::111122223333:role/other', noDuplicateArns: true });
  assert.ok(other.ok, 'no throw on the unreadable mapUsers');
});
