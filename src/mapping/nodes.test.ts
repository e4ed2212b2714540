import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NODE_ENTRY_TYPES, isNodeEntryType, nodeGroups, nodeTypeForRow, nodeUsername } from './nodes.js';

describe('nodeTypeForRow', () => {
  const cases: Array<[string, string[], string | undefined]> = [
    ['system:node:{{EC2PrivateDNSName}}', ['system:bootstrappers', 'system:nodes'], 'EC2_LINUX'],
    ['system:node:{{EC2PrivateDNSName}}', ['system:nodes'], 'EC2_LINUX'],
    ['system:node:{{EC2PrivateDNSName}}', ['system:bootstrappers', 'system:nodes', 'eks:kube-proxy-windows'], 'EC2_WINDOWS'],
    ['system:node:{{SessionName}}', ['system:bootstrappers', 'system:nodes', 'system:node-proxier'], 'FARGATE_LINUX'],
    ['system:node:{{SessionName}}', ['system:bootstrappers', 'system:nodes'], 'HYBRID_LINUX'],
    ['anything', ['system:nodes'], 'EC2_LINUX'],
    ['admin', ['system:masters'], undefined],
    ['system:node:{{SessionName}}', ['system:bootstrappers'], undefined],
    ['x', [], undefined],
  ];
  for (const [username, groups, want] of cases) {
    it(`${username} [${groups.join(',')}] → ${want ?? 'not a node row'}`, () => assert.equal(nodeTypeForRow(username, groups), want));
  }
});

describe('node identities', () => {
  it('round-trips: each documented node row maps back to its type', () => {
    for (const t of NODE_ENTRY_TYPES.filter((x) => x !== 'EC2' && x !== 'HYPERPOD_LINUX')) {
      assert.equal(nodeTypeForRow(nodeUsername(t), nodeGroups(t)), t);
    }
  });
  it('knows STANDARD is not a node type', () => {
    assert.equal(isNodeEntryType('STANDARD'), false);
    assert.ok(NODE_ENTRY_TYPES.every(isNodeEntryType));
  });
});
