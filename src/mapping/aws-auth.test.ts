import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AWS_AUTH_MAX_BYTES, parseAwsAuth, serializeAwsAuth } from './aws-auth.js';
import type { AwsAuthErrorCode, AwsAuthLists, AwsAuthParseResult } from './aws-auth.js';
import * as fx from './testdata/aws-auth.js';

function ok(input: string) {
  const r = parseAwsAuth(input);
  if (!r.ok) assert.fail(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r;
}
function fails(input: string, code: AwsAuthErrorCode) {
  const r = parseAwsAuth(input);
  if (r.ok) assert.fail(`expected ${code}, got ok`);
  assert.equal(r.error.code, code, r.error.message);
  return r.error;
}
const cm = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n${data}`;

describe('parseAwsAuth: upstream fixtures', () => {
  it('reads the EKS user-guide example', () => {
    const r = ok(fx.EKS_EXAMPLE);
    assert.deepEqual(r.mapRoles, [
      { kind: 'role', arn: 'arn:aws:iam::111122223333:role/my-role', username: 'system:node:{{EC2PrivateDNSName}}', groups: ['system:bootstrappers', 'system:nodes'] },
      { kind: 'role', arn: 'arn:aws:iam::111122223333:role/my-console-viewer-role', username: 'my-console-viewer-role', groups: ['eks-console-dashboard-full-access-group'] },
    ]);
    assert.deepEqual(r.mapUsers, [
      { kind: 'user', arn: 'arn:aws:iam::111122223333:user/admin', username: 'admin', groups: ['system:masters'] },
      { kind: 'user', arn: 'arn:aws:iam::444455556666:user/my-user', username: 'my-user', groups: ['eks-console-dashboard-restricted-access-group'] },
    ]);
    assert.deepEqual(r.mapAccounts, []);
    assert.deepEqual(r.warnings, []);
  });

  it('reads field keys case-insensitively (crazy case)', () => {
    const r = ok(fx.CRAZY_CASE_KEYS);
    assert.deepEqual(r.mapRoles, [{ kind: 'role', arn: 'arn:aws:iam::111122223333:role/node', username: 'system:node:{{EC2PrivateDNSName}}', groups: ['system:bootstrappers', 'system:nodes'] }]);
    assert.deepEqual(r.mapUsers, [{ kind: 'user', arn: 'arn:aws:iam::111122223333:user/alice', username: 'alice', groups: ['devs'] }]);
    assert.deepEqual(r.warnings, []);
  });

  it('reads roleARN / userARN', () => {
    const r = ok(fx.ARN_CAMEL_KEYS);
    assert.equal(r.mapRoles[0]?.arn, 'arn:aws:iam::111122223333:role/ops');
    assert.equal(r.mapUsers[0]?.arn, 'arn:aws:iam::111122223333:user/bob');
  });

  for (const [name, doc] of [
    ['lowercase', fx.LOWERCASE_TOP_KEYS],
    ['crazy-case', fx.CRAZY_CASE_TOP_KEYS],
  ] as const) {
    it(`loads nothing from ${name} top-level keys, and says why`, () => {
      const r = ok(doc);
      assert.deepEqual([r.mapRoles, r.mapUsers, r.mapAccounts], [[], [], []]);
      assert.ok(r.warnings.some((w) => w.includes("did you mean 'mapRoles'")), r.warnings.join('\n'));
      assert.ok(r.warnings.some((w) => w.includes("did you mean 'mapUsers'")));
    });
  }

  it('turns a misplaced space into one odd group, as upstream does', () => {
    assert.deepEqual(ok(fx.MISPLACED_SPACE).mapRoles[0]?.groups, ['system:bootstrappers - system:nodes']);
  });

  it('rejects mapRoles written as a list (missing |) and explains the fix', () => {
    const e = fails(fx.MISSING_BAR, 'section_not_a_string');
    assert.equal(e.section, 'mapRoles');
    assert.equal(e.line, 8);
    assert.match(e.message, /mapRoles: \|/);
    assert.match(e.message, /ConfigMap data values must be strings/);
  });

  it('skips empty-ish sections', () => {
    for (const doc of [fx.EMPTY_VALUES, cm('  mapRoles: ""\n  mapUsers: "   \\n  "\n  mapAccounts:\n'), cm('  mapRoles: |\n    \n')]) {
      const r = ok(doc);
      assert.deepEqual([r.mapRoles, r.mapUsers, r.mapAccounts], [[], [], []]);
    }
  });

  it('keeps duplicates in document order and warns (the matcher applies the last)', () => {
    const r = ok(fx.DUPLICATES);
    assert.deepEqual(r.mapRoles.map((m) => m.username), ['first', 'second']);
    assert.deepEqual(r.mapUsers.map((m) => m.username), ['alice-1', 'alice-2']);
    assert.equal(r.warnings.filter((w) => w.includes('duplicate')).length, 2);
  });

  it('rejects an unquoted {{SessionName}} with its position and the fix', () => {
    const e = fails(fx.UNQUOTED_SESSION_NAME, 'unquoted_template');
    assert.equal(e.section, 'mapRoles');
    assert.deepEqual([e.line, e.column, e.sectionLine, e.sectionColumn], [14, 17, 7, 13]);
    assert.match(e.message, /Quote it: "\{\{SessionName\}\}"/);
    // The same document with the value quoted is fine.
    const r = ok(fx.UNQUOTED_SESSION_NAME.replace('username: {{SessionName}}', 'username: "{{SessionName}}"'));
    assert.equal(r.mapRoles[1]?.username, '{{SessionName}}');
  });

  it('rejects an unquoted template as a group item or with a suffix', () => {
    fails(cm('  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/x\n      groups:\n        - {{SessionName}}\n'), 'unquoted_template');
    fails(cm('  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/x\n      username: {{SessionName}}-dev\n'), 'unquoted_template');
  });
});

describe('parseAwsAuth: rows', () => {
  it('skips invalid rows individually with a warning', () => {
    const r = ok(
      cm(`  mapRoles: |
    - username: no-arn
    - just a string
    - rolearn: ""
    - rolearn: arn:aws:iam::111122223333:role/good
    - rolearn: arn:aws:iam::111122223333:role/bad-groups
      groups: system:masters
    - rolearn: arn:aws:iam::111122223333:role/bad-username
      username: 1234
    - rolearn: arn:aws:iam::111122223333:role/bool-group
      groups: [yes]
    - sso:
        permissionSetName: Admin
        accountID: "111122223333"
    - userarn: arn:aws:iam::111122223333:user/in-wrong-section
  mapUsers: |
    - username: no-arn
    - userarn: arn:aws:iam::111122223333:user/ok
      userid: AIDAEXAMPLE
      extra: ignored
`),
    );
    assert.deepEqual(r.mapRoles, [{ kind: 'role', arn: 'arn:aws:iam::111122223333:role/good', username: '', groups: [] }]);
    assert.deepEqual(r.mapUsers, [{ kind: 'user', arn: 'arn:aws:iam::111122223333:user/ok', username: '', groups: [] }]);
    const w = r.warnings.join('\n');
    assert.match(w, /mapRoles\[0\] \(line 8\): rolearn is required/);
    assert.match(w, /mapRoles\[1\] \(line 9\): not a mapping/);
    assert.match(w, /mapRoles\[2\].*rolearn is required/);
    assert.match(w, /mapRoles\[4\].*groups has the wrong type/);
    assert.match(w, /mapRoles\[5\].*username has the wrong type/);
    assert.match(w, /mapRoles\[6\].*groups has the wrong type/);
    assert.match(w, /mapRoles\[7\].*sso matcher is not supported/);
    assert.match(w, /mapRoles\[8\].*IAM users belong in mapUsers/);
    assert.match(w, /mapUsers\[0\].*userarn is required/);
    assert.match(w, /mapUsers\[1\].*unknown key 'extra'/);
  });

  it('accepts users without groups and ARNs it cannot parse (upstream does not validate), with warnings', () => {
    const r = ok(cm(`  mapUsers: |\n    - userarn: arn:iam:beswar\n      username: x\n`));
    assert.deepEqual(r.mapUsers, [{ kind: 'user', arn: 'arn:iam:beswar', username: 'x', groups: [] }]);
    assert.match(r.warnings.join('\n'), /not a valid ARN/);
  });

  it('warns about role paths and says which ARN to use', () => {
    const r = ok(
      cm(`  mapRoles: |
    - rolearn: arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef
      username: admin:{{SessionName}}
    - rolearn: arn:aws:sts::111122223333:assumed-role/dev/alice
    - rolearn: arn:aws:iam::111122223333:user/u
`),
    );
    assert.equal(r.mapRoles.length, 3);
    const w = r.warnings.join('\n');
    assert.match(w, /has a path.*never matches.*Use arn:aws:iam::111122223333:role\/AWSReservedSSO_Admin_0123456789abcdef here/);
    assert.match(w, /STS session ARN.*Use the role's ARN: arn:aws:iam::111122223333:role\/dev/);
    assert.match(w, /user ARN in mapRoles; it still matches/);
  });

  it('reads JSON sections (YAML flow style)', () => {
    const r = ok(cm(`  mapRoles: '[{"rolearn":"arn:aws:iam::111122223333:role/x","username":"{{SessionName}}","groups":["a","b"]}]'\n`));
    assert.deepEqual(r.mapRoles, [{ kind: 'role', arn: 'arn:aws:iam::111122223333:role/x', username: '{{SessionName}}', groups: ['a', 'b'] }]);
  });

  it('reads a key given twice in different case as the last one', () => {
    const r = ok(cm(`  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/a\n      roleARN: arn:aws:iam::111122223333:role/b\n`));
    assert.equal(r.mapRoles[0]?.arn, 'arn:aws:iam::111122223333:role/b');
    assert.match(r.warnings.join('\n'), /more than once/);
  });

  it('resolves YAML anchors and aliases', () => {
    const r = ok(cm(`  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/a\n      groups: &g [p, q]\n    - rolearn: arn:aws:iam::111122223333:role/b\n      groups: *g\n`));
    assert.deepEqual(r.mapRoles[1]?.groups, ['p', 'q']);
  });

  it('rejects a mapRoles that is not a list', () => {
    const e = fails(cm(`  mapRoles: |\n    rolearn: arn:aws:iam::111122223333:role/a\n`), 'invalid_section');
    assert.match(e.message, /must be a YAML list/);
  });
});

describe('parseAwsAuth: mapAccounts', () => {
  it('keeps unquoted numbers as their text', () => {
    const r = ok(cm(`  mapAccounts: |\n    - 012345678901\n    - 111122223333\n    - "444455556666"\n`));
    assert.deepEqual(r.mapAccounts, ['012345678901', '111122223333', '444455556666']);
    assert.deepEqual(r.warnings, []);
  });
  it('warns about things that are not account IDs', () => {
    const r = ok(cm(`  mapAccounts: |\n    - 1234\n    - 1234\n    -\n`));
    assert.deepEqual(r.mapAccounts, ['1234', '1234']);
    assert.equal(r.warnings.length, 4);
  });
  it('rejects objects (eksctl #5928) with a position', () => {
    const e = fails(cm(`  mapAccounts: |\n    - account: "111122223333"\n`), 'invalid_section');
    assert.equal(e.section, 'mapAccounts');
    assert.equal(e.line, 8);
    assert.match(e.message, /objects are not account IDs/);
  });
  it('rejects a bare scalar and a list given without |', () => {
    fails(cm(`  mapAccounts: "111122223333"\n`), 'invalid_section');
    fails(cm(`  mapAccounts:\n    - "111122223333"\n`), 'section_not_a_string');
    fails(cm(`  mapAccounts: 111122223333\n`), 'section_not_a_string');
  });
});

describe('parseAwsAuth: document shape', () => {
  it('accepts a bare data mapping', () => {
    const r = ok(`mapRoles: |\n  - rolearn: arn:aws:iam::111122223333:role/a\n    username: a\nmapAccounts: |\n  - "111122223333"\n`);
    assert.equal(r.mapRoles.length, 1);
    assert.deepEqual(r.mapAccounts, ['111122223333']);
  });
  it('accepts a ConfigMap without data as empty', () => {
    const r = ok(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\n`);
    assert.deepEqual([r.mapRoles, r.mapUsers, r.mapAccounts], [[], [], []]);
  });
  it('warns when the namespace is missing', () => {
    assert.match(ok(`kind: ConfigMap\nmetadata:\n  name: aws-auth\ndata: {}\n`).warnings.join(), /kube-system/);
  });
  it('warns about a data key given twice and uses the last', () => {
    const r = ok(`mapRoles: |\n  - rolearn: arn:aws:iam::111122223333:role/a\nmapRoles: |\n  - rolearn: arn:aws:iam::111122223333:role/b\n`);
    assert.deepEqual(r.mapRoles.map((m) => m.arn), ['arn:aws:iam::111122223333:role/b']);
    assert.match(r.warnings.join(), /more than once/);
  });

  const rejects: Array<[string, string, AwsAuthErrorCode, RegExp?]> = [
    ['empty input', '', 'empty'],
    ['only a comment', '# nothing\n', 'empty'],
    ['a list', '- a\n- b\n', 'not_a_mapping'],
    ['a scalar', 'hello', 'not_a_mapping'],
    ['another kind', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: aws-auth\n', 'not_a_configmap', /kind 'Secret'/],
    ['another apiVersion', 'apiVersion: v2\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n', 'not_a_configmap'],
    ['another name', 'kind: ConfigMap\nmetadata:\n  name: aws-auth-old\n  namespace: kube-system\n', 'wrong_name', /'aws-auth-old'/],
    ['no name', 'kind: ConfigMap\nmetadata:\n  namespace: kube-system\n', 'wrong_name', /unnamed/],
    ['another namespace', 'kind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: default\n', 'wrong_namespace'],
    ['data as a list', 'kind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n  - a\n', 'data_not_a_mapping'],
    ['two documents', 'mapRoles: ""\n---\nmapUsers: ""\n', 'multiple_documents'],
    ['broken YAML', 'kind: ConfigMap\nmetadata:\n  name: "aws-auth\n', 'invalid_yaml'],
    ['a number as a section', 'mapRoles: 12\n', 'section_not_a_string'],
  ];
  for (const [name, doc, code, msg] of rejects) {
    it(`rejects ${name}`, () => {
      const e = fails(doc, code);
      if (msg) assert.match(e.message, msg);
    });
  }

  it('reports a syntax error inside a section at its document and section position', () => {
    const e = fails(cm(`  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/a\n      groups: [a, b\n    - rolearn: x\n`), 'invalid_section');
    assert.equal(e.section, 'mapRoles');
    assert.equal(typeof e.line, 'number');
    assert.equal(typeof e.sectionLine, 'number');
    assert.equal((e.line ?? 0) - (e.sectionLine ?? 0), 7);
    assert.match(e.message, /^mapRoles is not valid YAML: .*\(line \d+, column \d+; line \d+, column \d+ of mapRoles\)/);
  });

  it('reports positions relative to the section when it is not a block scalar', () => {
    const e = fails(cm(`  mapRoles: "- rolearn: [\\n"\n`), 'invalid_section');
    assert.equal(e.line, undefined);
    assert.equal(typeof e.sectionLine, 'number');
  });

  it('refuses oversized input and absurd nesting', () => {
    fails(`mapRoles: "${'x'.repeat(AWS_AUTH_MAX_BYTES)}"`, 'too_large');
    fails(`mapRoles: ${'['.repeat(100)}`, 'too_deep');
    fails(cm(`  mapRoles: "${'['.repeat(100)}"\n`), 'too_deep');
    // Multi-byte characters count as bytes.
    fails(`mapRoles: "${'é'.repeat(AWS_AUTH_MAX_BYTES / 2 + 1)}"`, 'too_large');
  });
});

describe('serializeAwsAuth', () => {
  const samples: AwsAuthLists[] = [
    { mapRoles: [], mapUsers: [], mapAccounts: [] },
    {
      mapRoles: [
        { kind: 'role', arn: 'arn:aws:iam::111122223333:role/node', username: 'system:node:{{EC2PrivateDNSName}}', groups: ['system:bootstrappers', 'system:nodes'] },
        { kind: 'role', arn: 'arn:aws:iam::111122223333:role/dev', username: '{{SessionName}}', groups: ['yes', 'on', '123', 'null', ''] },
        { kind: 'role', arn: 'arn:aws:iam::111122223333:role/no-user', username: '', groups: [] },
        { kind: 'role', arn: 'arn:aws:iam::111122223333:role/odd', username: ' lead: "q" #c\n2', groups: ['- x', '[y]', '{z}'] },
      ],
      mapUsers: [{ kind: 'user', arn: 'arn:aws:iam::444455556666:user/path/alice', username: 'alice', groups: ['system:masters'] }],
      mapAccounts: ['012345678901', '111122223333'],
    },
  ];
  for (const [i, lists] of samples.entries()) {
    it(`round-trips sample ${i}`, () => {
      const text = serializeAwsAuth(lists);
      const r = ok(text);
      assert.deepEqual({ mapRoles: r.mapRoles, mapUsers: r.mapUsers, mapAccounts: r.mapAccounts }, lists);
    });
  }
  it('writes a ConfigMap with block-scalar sections and quoted account IDs', () => {
    const text = serializeAwsAuth(samples[1]!);
    assert.match(text, /^apiVersion: v1\nkind: ConfigMap\nmetadata:\n {2}name: aws-auth\n {2}namespace: kube-system\ndata:\n/);
    assert.match(text, /mapRoles: \|/);
    assert.match(text, /- "012345678901"/);
    assert.match(text, /username: "\{\{SessionName\}\}"/);
  });
  it('round-trips the EKS example', () => {
    const a = ok(fx.EKS_EXAMPLE);
    const b = ok(serializeAwsAuth(a));
    assert.deepEqual([b.mapRoles, b.mapUsers, b.mapAccounts], [a.mapRoles, a.mapUsers, a.mapAccounts]);
  });
  it('round-trips arbitrary rows (property)', () => {
    const str = fc.string({ maxLength: 20, unit: 'binary' });
    const row = (kind: 'role' | 'user') => fc.record({ kind: fc.constant(kind), arn: str.filter((s) => s !== ''), username: str, groups: fc.array(str, { maxLength: 3 }) });
    fc.assert(
      fc.property(fc.array(row('role'), { maxLength: 3 }), fc.array(row('user'), { maxLength: 3 }), fc.array(fc.stringMatching(/^\d{1,12}$/), { maxLength: 3 }), (mapRoles, mapUsers, mapAccounts) => {
        const plain = (rows: typeof mapRoles) => rows.map((r) => ({ ...r }));
        const lists = { mapRoles: plain(mapRoles), mapUsers: plain(mapUsers), mapAccounts };
        const r = parseAwsAuth(serializeAwsAuth(lists));
        assert.ok(r.ok, r.ok ? '' : r.error.message);
        assert.deepEqual({ mapRoles: r.mapRoles, mapUsers: r.mapUsers, mapAccounts: r.mapAccounts }, lists);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseAwsAuth never throws', () => {
  const check = (input: string) => {
    let r: AwsAuthParseResult | undefined;
    assert.doesNotThrow(() => {
      r = parseAwsAuth(input);
    });
    assert.equal(typeof r?.ok, 'boolean');
    assert.ok(Array.isArray(r?.warnings));
    if (r && !r.ok) assert.ok(r.error.message.length > 0);
  };
  it('on every truncation of the fixtures', () => {
    for (const doc of [fx.EKS_EXAMPLE, fx.UNQUOTED_SESSION_NAME, fx.MISPLACED_SPACE, fx.DUPLICATES, fx.CRAZY_CASE_KEYS]) {
      for (let i = 0; i <= doc.length; i++) check(doc.slice(0, i));
    }
  });
  it('on random text and random mutations of a valid document', () => {
    const alphabet = fc.constantFrom(...'-:|[]{}"\'`#&*!%@ \n\t  abcxyz019{}'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 200 }), (s) => check(s)),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.nat(fx.EKS_EXAMPLE.length), fc.string({ unit: alphabet, maxLength: 8 }), fc.nat(4), (at, insert, del) => {
        check(fx.EKS_EXAMPLE.slice(0, at) + insert + fx.EKS_EXAMPLE.slice(at + del));
      }),
      { numRuns: 400 },
    );
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => check(s)), { numRuns: 200 });
  });
  it('on non-string input from untyped callers', () => {
    check(undefined as unknown as string);
    check(42 as unknown as string);
  });
});
