import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESERVED_USERNAME_PREFIXES, TemplateError, checkReservedPrefix, hasTemplate, renderTemplate, renderUser, reservedPrefixMessage } from './templates.js';
import type { TemplateVars } from './templates.js';

const vars = (over: Partial<TemplateVars> = {}): TemplateVars => ({
  accountId: '123',
  sessionName: 'jdoe@example.com',
  accessKeyId: '321',
  lookupPrivateDnsName: (id) => ({ 'i-0c6f21bf1f24f9708': 'ip-172-31-27-14', 'i-abcdef12': 'ip-10-0-0-1', 'i-00000000': '' })[id],
  ...over,
});

describe('renderTemplate', () => {
  // iam-authenticator.md §8.4 plus the variables of §4.
  const cases: Array<[string, Partial<TemplateVars>, string]> = [
    ['a-{{AccountID}}-b', {}, 'a-123-b'],
    ['{{AccessKeyID}}', {}, '321'],
    ['{{SessionName}}', {}, 'jdoe-example.com'],
    ['{{SessionNameRaw}}', {}, 'jdoe@example.com'],
    ['x:{{SessionName}}:{{SessionNameRaw}}', { sessionName: 'a@b@c' }, 'x:a-b-c:a@b@c'],
    ['{{AccountID}}{{AccountID}}', {}, '123123'],
    ['{{Session}} stays', {}, '{{Session}} stays'],
    ['{{accountid}}', {}, '{{accountid}}'],
    ['no templates', {}, 'no templates'],
    ['', {}, ''],
    ['system:node:{{EC2PrivateDNSName}}', { sessionName: 'i-0c6f21bf1f24f9708' }, 'system:node:ip-172-31-27-14'],
    ['{{EC2PrivateDNSName}}/{{EC2PrivateDNSName}}', { sessionName: 'i-abcdef12' }, 'ip-10-0-0-1/ip-10-0-0-1'],
    ['arn:aws:sts::{{AccountID}}:assumed-role/r/{{SessionName}}', { sessionName: '' }, 'arn:aws:sts::123:assumed-role/r/'],
  ];
  for (const [template, over, want] of cases) {
    it(`${JSON.stringify(template)} with session ${JSON.stringify(over.sessionName ?? 'jdoe@example.com')} → ${JSON.stringify(want)}`, () => {
      assert.equal(renderTemplate(template, vars(over)), want);
    });
  }

  const failures: Array<[string, Partial<TemplateVars>, string, string]> = [
    ['{{EC2PrivateDNSName}}', { sessionName: 'i-aaaaa' }, 'no_instance_id', 'SessionName did not contain an instance id'],
    ['{{EC2PrivateDNSName}}', { sessionName: '' }, 'no_instance_id', 'SessionName did not contain an instance id'],
    ['{{EC2PrivateDNSName}}', { sessionName: 'i-0c6f21bf1f24f970' }, 'no_instance_id', 'SessionName did not contain an instance id'], // 16 chars
    ['{{EC2PrivateDNSName}}', { sessionName: 'i-0c6f21bf1f24f9708\n' }, 'no_instance_id', 'SessionName did not contain an instance id'],
    ['{{EC2PrivateDNSName}}', { sessionName: 'xi-abcdef12' }, 'no_instance_id', 'SessionName did not contain an instance id'],
    ['{{EC2PrivateDNSName}}', { sessionName: 'i-ffffffff' }, 'node_not_found', 'failed to find node i-ffffffff'],
    ['{{EC2PrivateDNSName}}', { sessionName: 'i-00000000' }, 'node_not_found', 'failed to find node i-00000000'],
    ['{{EC2PrivateDNSName}}', { sessionName: 'i-abcdef12', lookupPrivateDnsName: undefined }, 'node_not_found', 'failed to find node i-abcdef12'],
  ];
  for (const [template, over, code, message] of failures) {
    it(`fails: ${template} with session ${JSON.stringify(over.sessionName)} → ${code}`, () => {
      assert.throws(
        () => renderTemplate(template, vars(over)),
        (e: unknown) => e instanceof TemplateError && e.code === code && e.message === message,
      );
    });
  }

  it('does not call the EC2 lookup unless the template needs it', () => {
    let calls = 0;
    renderTemplate('{{SessionName}}', vars({ lookupPrivateDnsName: () => (calls++, 'x') }));
    assert.equal(calls, 0);
  });

  it('renders the username and every group', () => {
    assert.deepEqual(renderUser('u-{{AccountID}}', ['g-{{SessionName}}', 'plain'], vars()), { username: 'u-123', groups: ['g-jdoe-example.com', 'plain'] });
    assert.throws(() => renderUser('u', ['{{EC2PrivateDNSName}}'], vars()), TemplateError);
  });

  it('recognises placeholders', () => {
    assert.equal(hasTemplate('a{{X}}'), true);
    assert.equal(hasTemplate('a{X}'), false);
  });
});

describe('checkReservedPrefix', () => {
  const cases: Array<[string, string | undefined]> = [
    ['system:masters', 'system:'],
    ['eks:test', 'eks:'],
    ['aws:x', 'aws:'],
    ['amazon:x', 'amazon:'],
    ['iam:x', 'iam:'],
    ['test', undefined],
    ['eksb:test', undefined],
    ['System:masters', undefined], // HasPrefix is case-sensitive
    ['', undefined],
    ['arn:aws:sts::1:assumed-role/r/s', undefined],
  ];
  for (const [username, want] of cases) {
    it(`${JSON.stringify(username)} → ${want ?? 'allowed'}`, () => assert.equal(checkReservedPrefix(username), want));
  }
  it('takes a custom list', () => {
    assert.equal(checkReservedPrefix('system:x', []), undefined);
    assert.equal(checkReservedPrefix('corp:x', ['corp:']), 'corp:');
  });
  it('words the denial like upstream', () => {
    assert.equal(
      reservedPrefixMessage('system:x', 'DynamicFile', RESERVED_USERNAME_PREFIXES),
      "invalid username 'system:x' for mapper DynamicFile: username must not begin with the following prefixes: [aws: iam: amazon: system: eks:]",
    );
  });
});
