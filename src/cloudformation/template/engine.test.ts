import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EvalContext, Json, Template } from './engine.js';
import { dependencyOrder, evaluate, evaluateCondition, included, isKnown, loadTemplate, requiredCapabilities, resolveParameters, unknownValue } from './engine.js';
import { parseTemplateBody } from './parse.js';

const ROLE = 'arn:aws:iam::111122223333:role/admin';

/** A template around `extra` resources/sections, with one access entry and one role. */
function template(yaml: string): Template {
  return loadTemplate(yaml);
}

const BASE = `
Parameters:
  Env: { Type: String, Default: dev, AllowedValues: [dev, prod] }
  Groups: { Type: CommaDelimitedList, Default: "a,b" }
  Count: { Type: Number, Default: "2" }
Mappings:
  Roles:
    dev: { Name: dev-role }
    prod: { Name: prod-role }
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition NotProd, !Equals [a, a]]
  Either: !Or [!Condition IsProd, !Equals [!Ref Count, "2"]]
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !FindInMap [Roles, !Ref Env, Name]
      AssumeRolePolicyDocument: {}
  Entry:
    Type: AWS::EKS::AccessEntry
    Properties:
      ClusterName: c
      PrincipalArn: !GetAtt Role.Arn
`;

function ctx(t: Template, parameters: Record<string, string> = {}, known: Record<string, Json> = {}): EvalContext {
  return {
    template: t,
    parameters: resolveParameters(t, Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }))),
    pseudo: { 'AWS::AccountId': '111122223333', 'AWS::Region': 'us-west-2', 'AWS::StackName': 's', 'AWS::StackId': 'arn:aws:cloudformation:us-west-2:111122223333:stack/s/id', 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' },
    ref: (id) => known[id] ?? unknownValue(id),
    getAtt: (id, attr) => known[`${id}.${attr}`] ?? unknownValue(`${id}.${attr}`),
    importValue: (name) => {
      if (name === 'shared-cluster') return 'prod';
      throw new Error(`No export named ${name} found`);
    },
  };
}

describe('template parsing', () => {
  const cases: Array<[string, string, Json]> = [
    ['!Ref', 'X: !Ref Env', { X: { Ref: 'Env' } }],
    ['!GetAtt dotted', 'X: !GetAtt Role.Arn', { X: { 'Fn::GetAtt': ['Role', 'Arn'] } }],
    ['!GetAtt list', 'X: !GetAtt [Role, Arn]', { X: { 'Fn::GetAtt': ['Role', 'Arn'] } }],
    ['!Sub scalar', 'X: !Sub "${AWS::StackName}-x"', { X: { 'Fn::Sub': '${AWS::StackName}-x' } }],
    ['!Sub list', 'X: !Sub ["${a}", {a: !Ref Env}]', { X: { 'Fn::Sub': ['${a}', { a: { Ref: 'Env' } }] } }],
    ['!Join nested', 'X: !Join [",", [!Ref A, b]]', { X: { 'Fn::Join': [',', [{ Ref: 'A' }, 'b']] } }],
    ['!If', 'X: !If [C, 1, 2]', { X: { 'Fn::If': ['C', 1, 2] } }],
    ['!Condition', 'X: !Condition C', { X: { Condition: 'C' } }],
    ['!Base64', 'X: !Base64 hi', { X: { 'Fn::Base64': 'hi' } }],
    ['!ImportValue', 'X: !ImportValue shared', { X: { 'Fn::ImportValue': 'shared' } }],
    ['block sequence tag', 'X: !Select\n  - 0\n  - [a]', { X: { 'Fn::Select': [0, ['a']] } }],
    ['JSON', '{"X": {"Ref": "Env"}}', { X: { Ref: 'Env' } }],
    ['plain YAML keeps strings', 'X: "123"\nY: 123', { X: '123', Y: 123 }],
  ];
  for (const [name, text, want] of cases) it(name, () => assert.deepEqual(parseTemplateBody(text), want));

  const bad: Array<[string, string, RegExp]> = [
    ['bad YAML', 'X: [', /YAML not well-formed/],
    ['bad JSON', '{"X": ', /JSON not well-formed/],
    ['unknown tag', 'X: !Bogus y', /unknown tag !Bogus/],
    ['duplicate keys', 'X: 1\nX: 2', /YAML not well-formed/],
    ['not a map', '- a', /unsupported structure/],
    ['alias bomb', `a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]`, /too many values/],
  ];
  for (const [name, text, want] of bad) it(`refuses ${name}`, () => assert.throws(() => parseTemplateBody(text), want));
});

describe('template structure and references', () => {
  const bad: Array<[string, string, RegExp]> = [
    ['no resources', 'Description: x', /At least one Resources member must be defined/],
    ['unknown section', 'Foo: 1\nResources: {A: {Type: AWS::IAM::User}}', /Invalid template property or properties \[Foo\]/],
    ['no Type', 'Resources: {A: {Properties: {}}}', /Every Resources object must contain a Type member/],
    ['unsupported type', 'Resources: {A: {Type: AWS::S3::Bucket}}', /Unrecognized resource types: \[AWS::S3::Bucket\]/],
    ['unsupported property', 'Resources: {A: {Type: AWS::IAM::User, Properties: {Bogus: 1}}}', /unsupported properties in AWS::IAM::User: \[Bogus\]/],
    ['unresolved Ref', 'Resources: {A: {Type: AWS::IAM::User, Properties: {UserName: !Ref Nope}}}', /Unresolved resource dependencies \[Nope\] in the Resources block/],
    ['GetAtt of unknown resource', 'Resources: {A: {Type: AWS::IAM::User, Properties: {UserName: !GetAtt Nope.Arn}}}', /Fn::GetAtt references undefined resource Nope/],
    ['bad GetAtt attribute', 'Resources: {R: {Type: AWS::IAM::User}, A: {Type: AWS::IAM::User, Properties: {UserName: !GetAtt R.Bogus}}}', /resource R does not support attribute type Bogus in Fn::GetAtt/],
    ['Sub of unknown', 'Resources: {A: {Type: AWS::IAM::User, Properties: {UserName: !Sub "${Nope}"}}}', /Unresolved resource dependencies \[Nope\]/],
    ['unknown DependsOn', 'Resources: {A: {Type: AWS::IAM::User, DependsOn: Nope}}', /Unresolved resource dependencies \[Nope\]/],
    ['cycle', 'Resources: {A: {Type: AWS::IAM::User, Properties: {UserName: !Ref B}}, B: {Type: AWS::IAM::User, Properties: {UserName: !Ref A}}}', /Circular dependency between resources: \[A, B\]/],
    ['cycle via DependsOn and GetAtt', 'Resources: {A: {Type: AWS::IAM::User, DependsOn: C}, B: {Type: AWS::IAM::User, Properties: {UserName: !GetAtt A.Arn}}, C: {Type: AWS::IAM::User, Properties: {Path: !Sub "/${B}/"}}}', /Circular dependency between resources: \[A, B, C\]/],
    ['self DependsOn', 'Resources: {A: {Type: AWS::IAM::User, DependsOn: A}}', /Circular dependency between resources: \[A\]/],
    ['resource in Conditions', 'Conditions: {C: !Equals [!Ref A, x]}\nResources: {A: {Type: AWS::IAM::User}}', /Cannot reference resources in the Conditions block/],
    ['unknown condition on resource', 'Resources: {A: {Type: AWS::IAM::User, Condition: Nope}}', /Unresolved dependencies \[Nope\]/],
    ['unknown condition in Fn::If', 'Resources: {A: {Type: AWS::IAM::User, Properties: {UserName: !If [Nope, a, b]}}}', /Unresolved condition dependencies \[Nope\]/],
    ['condition cycle', 'Conditions: {A: !Not [!Condition B], B: !Not [!Condition A]}\nResources: {R: {Type: AWS::IAM::User}}', /Circular dependency between conditions/],
    ['bad parameter type', 'Parameters: {P: {Type: Bogus}}\nResources: {R: {Type: AWS::IAM::User}}', /Unrecognized parameter type: Bogus/],
    ['unknown output ref', 'Resources: {R: {Type: AWS::IAM::User}}\nOutputs: {O: {Value: !Ref Nope}}', /Unresolved resource dependencies \[Nope\] in the Outputs block/],
    ['Transform', 'Transform: AWS::Serverless-2016-10-31\nResources: {R: {Type: AWS::IAM::User}}', /Transform is not supported/],
  ];
  for (const [name, text, want] of bad) it(`refuses ${name}`, () => assert.throws(() => loadTemplate(text), want));

  it('orders resources by their dependencies, ties in template order', () => {
    const t = template(`
Resources:
  Entry: {Type: AWS::EKS::AccessEntry, Properties: {ClusterName: !Ref Cluster, PrincipalArn: !GetAtt Role.Arn}}
  Cluster: {Type: AWS::EKS::Cluster, Properties: {RoleArn: x, ResourcesVpcConfig: {SubnetIds: []}}}
  Role: {Type: AWS::IAM::Role, DependsOn: [User], Properties: {AssumeRolePolicyDocument: {}}}
  User: {Type: AWS::IAM::User}
  Other: {Type: AWS::IAM::User, Properties: {Path: !Sub "/\${Cluster.Endpoint}/"}}
`);
    assert.deepEqual(dependencyOrder(t, Object.keys(t.resources)), ['Cluster', 'User', 'Role', 'Entry', 'Other']);
  });
});

describe('parameters', () => {
  const t = template(BASE);
  const cases: Array<[string, Record<string, string>, Record<string, string> | RegExp]> = [
    ['defaults', {}, { Env: 'dev', Groups: 'a,b', Count: '2' }],
    ['given values', { Env: 'prod', Count: '3.5' }, { Env: 'prod', Groups: 'a,b', Count: '3.5' }],
    ['not allowed', { Env: 'qa' }, /Parameter 'Env' must be one of AllowedValues/],
    ['not a number', { Count: 'x' }, /Parameter 'Count' must be a number/],
    ['unknown', { Nope: 'x' }, /Parameters: \[Nope\] do not exist in the template/],
  ];
  for (const [name, given, want] of cases) {
    it(name, () => {
      const run = () => resolveParameters(t, Object.entries(given).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })));
      if (want instanceof RegExp) assert.throws(run, want);
      else assert.deepEqual(run(), want);
    });
  }
  it('requires values without defaults', () => {
    const t2 = template('Parameters: {A: {Type: String}, B: {Type: "List<String>"}}\nResources: {R: {Type: AWS::IAM::User}}');
    assert.throws(() => resolveParameters(t2, []), /Parameters: \[A, B\] must have values/);
  });
  it('takes previous values on request, and only those that exist', () => {
    assert.deepEqual(resolveParameters(t, [{ ParameterKey: 'Env', UsePreviousValue: true }], { Env: 'prod' }).Env, 'prod');
    assert.throws(() => resolveParameters(t, [{ ParameterKey: 'Env', UsePreviousValue: true }], {}), /Cannot specify usePreviousValue/);
  });
  it('checks patterns and lengths', () => {
    const t2 = template('Parameters: {A: {Type: String, AllowedPattern: "[a-z]+", MaxLength: 3}, B: {Type: String, MinLength: 2, Default: "xy", ConstraintDescription: "two or more"}}\nResources: {R: {Type: AWS::IAM::User}}');
    assert.throws(() => resolveParameters(t2, [{ ParameterKey: 'A', ParameterValue: 'A1' }]), /must match pattern \[a-z\]\+/);
    assert.throws(() => resolveParameters(t2, [{ ParameterKey: 'A', ParameterValue: 'abcd' }]), /at most 3 characters/);
    assert.throws(() => resolveParameters(t2, [{ ParameterKey: 'A', ParameterValue: 'ab' }, { ParameterKey: 'B', ParameterValue: 'x' }]), /failed to satisfy constraint: two or more/);
  });
});

describe('conditions', () => {
  const t = template(BASE);
  const cases: Array<[Record<string, string>, Record<string, boolean>]> = [
    [{}, { IsProd: false, NotProd: true, Both: true, Either: true }],
    [{ Env: 'prod', Count: '3' }, { IsProd: true, NotProd: false, Both: false, Either: true }],
    [{ Env: 'dev', Count: '3' }, { IsProd: false, NotProd: true, Both: true, Either: false }],
  ];
  for (const [params, want] of cases) {
    it(JSON.stringify(params), () => {
      const c = ctx(t, params);
      for (const [name, value] of Object.entries(want)) assert.equal(evaluateCondition(c, name), value, name);
      assert.equal(included(c, undefined), true);
      assert.equal(included(c, 'IsProd'), want.IsProd);
    });
  }
});

describe('intrinsic functions', () => {
  const t = template(BASE);
  const c = ctx(t, { Env: 'prod' }, { Role: 'prod-role', 'Role.Arn': ROLE });
  const cases: Array<[string, Json, Json | RegExp]> = [
    ['Ref parameter', { Ref: 'Env' }, 'prod'],
    ['Ref list parameter', { Ref: 'Groups' }, ['a', 'b']],
    ['Ref Number parameter is a string', { Ref: 'Count' }, '2'],
    ['Ref resource', { Ref: 'Role' }, 'prod-role'],
    ['pseudo parameters', { 'Fn::Join': [':', [{ Ref: 'AWS::Partition' }, { Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }, { Ref: 'AWS::StackName' }, { Ref: 'AWS::URLSuffix' }]] }, 'aws:us-west-2:111122223333:s:amazonaws.com'],
    ['AWS::StackId', { Ref: 'AWS::StackId' }, 'arn:aws:cloudformation:us-west-2:111122223333:stack/s/id'],
    ['AWS::NoValue removes the member', { A: { Ref: 'AWS::NoValue' }, B: [1, { Ref: 'AWS::NoValue' }, 2] }, { B: [1, 2] }],
    ['GetAtt', { 'Fn::GetAtt': ['Role', 'Arn'] }, ROLE],
    ['Sub with pseudo, parameter, attribute and literal', { 'Fn::Sub': '${AWS::Region}/${Env}/${Role.Arn}/${!Literal}' }, `us-west-2/prod/${ROLE}/\${Literal}`],
    ['Sub with variables', { 'Fn::Sub': ['${a}-${Env}', { a: { Ref: 'AWS::AccountId' } }] }, '111122223333-prod'],
    ['Join', { 'Fn::Join': ['-', ['a', { Ref: 'Env' }, 3]] }, 'a-prod-3'],
    ['Join of a list parameter', { 'Fn::Join': ['+', { Ref: 'Groups' }] }, 'a+b'],
    ['Select', { 'Fn::Select': [1, ['x', 'y']] }, 'y'],
    ['Select index as string', { 'Fn::Select': ['0', { Ref: 'Groups' }] }, 'a'],
    ['Select out of range', { 'Fn::Select': [5, ['x']] }, /cannot select nonexistent value at index 5/],
    ['Split', { 'Fn::Split': [',', 'a,b,,c'] }, ['a', 'b', '', 'c']],
    ['Split then Select', { 'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::GetAtt': ['Role', 'Arn'] }] }] }, 'admin'],
    ['If true', { 'Fn::If': ['IsProd', 'big', 'small'] }, 'big'],
    ['If with NoValue', { X: { 'Fn::If': ['NotProd', 1, { Ref: 'AWS::NoValue' }] } }, {}],
    ['Equals', { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] }, true],
    ['Equals number and string', { 'Fn::Equals': [2, '2'] }, true],
    ['Not', { 'Fn::Not': [{ 'Fn::Equals': ['a', 'b'] }] }, true],
    ['And', { 'Fn::And': [{ Condition: 'IsProd' }, { 'Fn::Equals': ['a', 'a'] }] }, true],
    ['Or', { 'Fn::Or': [{ Condition: 'NotProd' }, { 'Fn::Equals': ['a', 'b'] }] }, false],
    ['And needs two', { 'Fn::And': [{ Condition: 'IsProd' }] }, /requires a list of 2 to 10 conditions/],
    ['FindInMap', { 'Fn::FindInMap': ['Roles', { Ref: 'Env' }, 'Name'] }, 'prod-role'],
    ['FindInMap missing key', { 'Fn::FindInMap': ['Roles', 'qa', 'Name'] }, /Unable to get mapping for Roles::qa::Name/],
    ['FindInMap missing map', { 'Fn::FindInMap': ['Nope', 'qa', 'Name'] }, /Mapping named 'Nope' is not present/],
    ['Base64', { 'Fn::Base64': { 'Fn::Sub': '${Env}!' } }, Buffer.from('prod!').toString('base64')],
    ['ImportValue', { 'Fn::ImportValue': 'shared-cluster' }, 'prod'],
    ['ImportValue of a missing export', { 'Fn::ImportValue': 'nope' }, /No export named nope found/],
    ['unknown function', { 'Fn::Bogus': 1 }, /Unrecognized function Fn::Bogus/],
    ['not an intrinsic: two keys', { Ref: 'Env', Other: 1 }, { Ref: 'Env', Other: 1 }],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => {
      if (want instanceof RegExp) assert.throws(() => evaluate(c, input), want);
      else assert.deepEqual(evaluate(c, input), want);
    });
  }

  it('marks values that depend on resources not made yet', () => {
    const fresh = ctx(t);
    const v = evaluate(fresh, { 'Fn::Join': ['', ['x-', { 'Fn::GetAtt': ['Role', 'Arn'] }]] });
    assert.equal(isKnown(v), false);
    assert.equal(isKnown(evaluate(fresh, { Ref: 'Env' })), true);
  });
});

describe('capabilities', () => {
  const cases: Array<[string, string[]]> = [
    ['Resources: {E: {Type: AWS::EKS::AccessEntry, Properties: {ClusterName: c, PrincipalArn: p}}}', []],
    ['Resources: {R: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: {}}}}', ['CAPABILITY_IAM']],
    ['Resources: {R: {Type: AWS::IAM::Role, Properties: {RoleName: x, AssumeRolePolicyDocument: {}}}}', ['CAPABILITY_NAMED_IAM']],
  ];
  for (const [text, want] of cases) it(want.join(',') || 'none', () => assert.deepEqual(requiredCapabilities(template(text)).capabilities, want));
});
