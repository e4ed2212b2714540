import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StackResourceState } from '../model/stacks.js';
import { planChanges, propertyChanges } from './diff.js';
import type { EvalContext, Json } from './template/engine.js';
import { loadTemplate, unknownValue } from './template/engine.js';

const entry = (props: Record<string, Json>) => ({ Type: 'AWS::EKS::AccessEntry', Properties: props });

describe('property changes', () => {
  const cases: Array<[string, string, Record<string, Json>, Record<string, Json>, Array<[string, boolean, boolean]>]> = [
    ['nothing', 'AWS::EKS::AccessEntry', { ClusterName: 'c' }, { ClusterName: 'c' }, []],
    ['groups in place', 'AWS::EKS::AccessEntry', { KubernetesGroups: ['a'] }, { KubernetesGroups: ['b'] }, [['KubernetesGroups', false, false]]],
    ['type replaces', 'AWS::EKS::AccessEntry', { Type: 'EC2_LINUX' }, { Type: 'EC2_WINDOWS' }, [['Type', true, false]]],
    ['added property', 'AWS::EKS::AccessEntry', {}, { Username: 'u' }, [['Username', false, false]]],
    ['removed property', 'AWS::EKS::AccessEntry', { Username: 'u' }, {}, [['Username', false, false]]],
    ['unknown principal', 'AWS::EKS::AccessEntry', { PrincipalArn: 'a' }, { PrincipalArn: unknownValue('Role.Arn') }, [['PrincipalArn', true, true]]],
    ['nested replacement member', 'AWS::EKS::Cluster', { AccessConfig: { AuthenticationMode: 'API', BootstrapClusterCreatorAdminPermissions: true } }, { AccessConfig: { AuthenticationMode: 'API', BootstrapClusterCreatorAdminPermissions: false } }, [['AccessConfig', true, false]]],
    ['nested in-place member', 'AWS::EKS::Cluster', { AccessConfig: { AuthenticationMode: 'API_AND_CONFIG_MAP' } }, { AccessConfig: { AuthenticationMode: 'API' } }, [['AccessConfig', false, false]]],
    ['role name replaces, trust policy does not', 'AWS::IAM::Role', { RoleName: 'a', AssumeRolePolicyDocument: {} }, { RoleName: 'b', AssumeRolePolicyDocument: { Version: '2012-10-17' } }, [['AssumeRolePolicyDocument', false, false], ['RoleName', true, false]]],
  ];
  for (const [name, type, before, after, want] of cases) {
    it(name, () => assert.deepEqual(propertyChanges(type, before as never, after as never).map((c) => [c.name, c.replaces, c.dynamic]), want));
  }
});

describe('planned changes', () => {
  const state = (id: string, type: string, physicalId: string, properties: Record<string, Json>): StackResourceState => ({ logicalId: id, type, physicalId, status: 'CREATE_COMPLETE', updatedAt: 0, properties: properties as never, attributes: { Arn: `arn:${physicalId}` }, deletionPolicy: 'Delete' });
  const ctxFor = (t: ReturnType<typeof loadTemplate>, current: Record<string, StackResourceState>): EvalContext => ({
    template: t,
    parameters: {},
    pseudo: {},
    ref: (id) => current[id]?.physicalId ?? unknownValue(id),
    getAtt: (id, a) => (current[id]?.attributes[a] as Json) ?? unknownValue(`${id}.${a}`),
    importValue: () => '',
  });

  it('Add, Modify (in place, replacement, conditional) and Remove', () => {
    const t = loadTemplate(
      JSON.stringify({
        Resources: {
          Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'new-name', AssumeRolePolicyDocument: {} } },
          ViaRole: entry({ ClusterName: 'c', PrincipalArn: { 'Fn::GetAtt': ['Role', 'Arn'] } }),
          Groups: entry({ ClusterName: 'c', PrincipalArn: 'p1', KubernetesGroups: ['b'] }),
          Same: entry({ ClusterName: 'c', PrincipalArn: 'p2' }),
          Fresh: entry({ ClusterName: 'c', PrincipalArn: 'p3' }),
        },
      }),
    );
    const current = {
      Role: state('Role', 'AWS::IAM::Role', 'old-name', { RoleName: 'old-name', AssumeRolePolicyDocument: {} }),
      ViaRole: state('ViaRole', 'AWS::EKS::AccessEntry', 'arn:old-name|c', { ClusterName: 'c', PrincipalArn: 'arn:old-name' }),
      Groups: state('Groups', 'AWS::EKS::AccessEntry', 'p1|c', { ClusterName: 'c', PrincipalArn: 'p1', KubernetesGroups: ['a'] }),
      Same: state('Same', 'AWS::EKS::AccessEntry', 'p2|c', { ClusterName: 'c', PrincipalArn: 'p2' }),
      Gone: state('Gone', 'AWS::EKS::AccessEntry', 'p4|c', { ClusterName: 'c', PrincipalArn: 'p4' }),
    };
    const changes = planChanges(t, ctxFor(t, current), current).map((c) => [c.record.LogicalResourceId, c.record.Action, c.record.Replacement ?? '-', c.record.Details.map((d) => `${d.Target.Name}:${d.Evaluation}`).join(',')]);
    assert.deepEqual(changes, [
      ['Role', 'Modify', 'True', 'RoleName:Static'],
      ['ViaRole', 'Modify', 'Conditional', 'PrincipalArn:Dynamic'],
      ['Groups', 'Modify', 'False', 'KubernetesGroups:Static'],
      ['Fresh', 'Add', '-', ''],
      ['Gone', 'Remove', '-', ''],
    ]);
  });

  it('resources whose condition is false are removed', () => {
    const t = loadTemplate('Parameters: {On: {Type: String, Default: "no"}}\nConditions: {C: !Equals [!Ref On, "yes"]}\nResources: {E: {Type: AWS::EKS::AccessEntry, Condition: C, Properties: {ClusterName: c, PrincipalArn: p}}, F: {Type: AWS::EKS::AccessEntry, Properties: {ClusterName: c, PrincipalArn: q}}}');
    const current = { E: state('E', 'AWS::EKS::AccessEntry', 'p|c', { ClusterName: 'c', PrincipalArn: 'p' }), F: state('F', 'AWS::EKS::AccessEntry', 'q|c', { ClusterName: 'c', PrincipalArn: 'q' }) };
    const ctx = { ...ctxFor(t, current), parameters: { On: 'no' } };
    assert.deepEqual(planChanges(t, ctx, current).map((c) => [c.record.LogicalResourceId, c.record.Action]), [['E', 'Remove']]);
  });
});
