import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAwsError } from '../errors/aws-error.js';
import { parseQuery } from '../sigv4/index.js';
import { decodeParams, requestPairs } from './form.js';
import { errorJson, errorXml, successJson, successXml, xmlEscape } from './xml.js';
import { AwsError } from '../errors/aws-error.js';

const decode = (s: string) => {
  const q = parseQuery(s);
  assert.ok(q.ok);
  return decodeParams(q.pairs);
};
const refusal = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    assert.ok(isAwsError(e));
    assert.equal(e.status, 400);
    return e.code;
  }
};

/** Decoded objects have no prototype; compare their plain JSON form. */
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

test('decodes Action, Version, members and tags as the CLI sends them', () => {
  const d = plain(decode('Action=CreateUser&Version=2010-05-08&UserName=alice&Tags.member.1.Key=team&Tags.member.1.Value=a%20b&Tags.member.2.Key=x&Tags.member.2.Value='));
  assert.deepEqual(d, {
    action: 'CreateUser',
    version: '2010-05-08',
    params: { UserName: 'alice', Tags: [{ Key: 'team', Value: 'a b' }, { Key: 'x', Value: '' }] },
  });
  assert.deepEqual(plain(decode('Action=UntagUser&TagKeys.member.2=b&TagKeys.member.1=a').params), { TagKeys: ['a', 'b'] });
  assert.deepEqual(plain(decode('Action=UntagUser&TagKeys=').params), { TagKeys: '' });
  assert.deepEqual(plain(decode('Action=X&X-Amz-Date=1&X-Amz-Signature=2').params), {});
  // A `__proto__` parameter is a key like any other, never the object's prototype.
  const p = decode('Action=CreateUser&__proto__.UserName=evil').params;
  assert.equal(p.UserName, undefined);
  assert.equal(Object.getPrototypeOf(p), null);
});

test('refuses ambiguous or malformed parameters', () => {
  const table = [
    'Action=A&Action=B',
    'Action=A&UserName=a&UserName=b',
    'Action=A&Tags.member.2.Key=x',
    'Action=A&Tags.member.0.Key=x',
    'Action=A&Tags.member.x.Key=x',
    'Action=A&Tags=x&Tags.member.1.Key=y',
    'Action=A&a..b=1',
    'Action=A&a%20b=1',
    'Action=A&Tags.member=1',
  ];
  for (const s of table) assert.equal(refusal(() => decode(s)), 'MalformedQueryString', s);
  assert.equal(refusal(() => requestPairs('', Buffer.from('Action=%zz'), 'application/x-www-form-urlencoded')), 'MalformedQueryString');
  assert.equal(refusal(() => requestPairs('', Buffer.from([0x41, 0x3d, 0xff]), 'application/x-www-form-urlencoded')), 'MalformedQueryString');
  assert.equal(refusal(() => requestPairs('', Buffer.from('{"Action":"x"}'), 'application/json')), 'MalformedQueryString');
  assert.equal(refusal(() => requestPairs('%', Buffer.alloc(0), undefined)), 'MalformedQueryString');
  assert.equal(refusal(() => decode(Array.from({ length: 2001 }, (_, i) => `p${i}=1`).join('&'))), 'MalformedQueryString');
  assert.deepEqual(requestPairs('Action=GetCallerIdentity', Buffer.from('Version=2011-06-15\n'), 'application/x-www-form-urlencoded; charset=utf-8'), [
    ['Action', 'GetCallerIdentity'],
    ['Version', '2011-06-15'],
  ]);
});

test('XML and JSON rendering', () => {
  assert.equal(xmlEscape(`<a href="x">&'\r\u0001\ud800`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;&#xD;\ufffd\ufffd');
  assert.equal(
    successXml('ListUsers', 'https://iam.amazonaws.com/doc/2010-05-08/', { Users: [{ UserName: 'a<b' }], IsTruncated: false, Marker: undefined }, 'rid'),
    '<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult><Users><member><UserName>a&lt;b</UserName></member></Users>' +
      '<IsTruncated>false</IsTruncated></ListUsersResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></ListUsersResponse>',
  );
  assert.equal(
    successXml('DeleteUser', 'ns', undefined, 'rid'),
    '<DeleteUserResponse xmlns="ns"><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></DeleteUserResponse>',
  );
  const e = new AwsError('NoSuchEntity', 404, 'The user with name <x> cannot be found.');
  assert.equal(
    errorXml(e, 'ns', 'rid'),
    '<ErrorResponse xmlns="ns"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The user with name &lt;x&gt; cannot be found.</Message></Error><RequestId>rid</RequestId></ErrorResponse>',
  );
  assert.deepEqual(JSON.parse(successJson('GetCallerIdentity', { Account: '1', Arn: 'a', UserId: 'u' }, 'rid')), {
    GetCallerIdentityResponse: { GetCallerIdentityResult: { Account: '1', Arn: 'a', UserId: 'u' }, ResponseMetadata: { RequestId: 'rid' } },
  });
  assert.deepEqual(JSON.parse(errorJson(e, 'rid')), { Error: { Code: 'NoSuchEntity', Message: e.message, Type: 'Sender' }, RequestId: 'rid' });
});
