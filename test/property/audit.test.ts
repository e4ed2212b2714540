/**
 * Property: every management call takes the one operation path (src/ops/operation.ts). Random
 * sequences of EKS and IAM calls through the AWS SDK — valid ones, and ones that fail validation,
 * name what does not exist, or repeat what exists — and after each:
 * - a failed call changes nothing in the store, and leaves exactly one audit event: its error code
 *   (the refusal record, written after its transaction rolled back — nothing of the call commits);
 * - a successful write leaves exactly one audit event, Success, of that operation;
 * - a successful read leaves none (the server runs without --audit-reads).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AssociateAccessPolicyCommand,
  CreateAccessEntryCommand,
  DeleteAccessEntryCommand,
  DisassociateAccessPolicyCommand,
  ListAccessEntriesCommand,
  UpdateAccessEntryCommand,
  TagResourceCommand,
} from '@aws-sdk/client-eks';
import { AttachUserPolicyCommand, CreateUserCommand, DeleteUserCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AuditEvent } from '../../src/model/types.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { createCluster, createRole } from '../e2e/lib.js';
import { check, guardProcess, note, snapshot } from './lib.js';

const FILE = 'test/property/audit.test.ts';
const CLUSTER = 'audited';
const POLICY = (n: string) => `arn:aws:eks::aws:cluster-access-policy/${n}`;

interface Call {
  service: 'eks' | 'iam';
  operation: string;
  write: boolean;
  send: (s: TestServer) => Promise<unknown>;
}

describe('property: one audited operation path', () => {
  let s: TestServer;
  let principals: string[];
  let admin: string;
  before(async () => {
    guardProcess();
    s = await startTestServer();
    await createCluster(s.eks(), CLUSTER, 'API', false);
    admin = (await s.sts().send(new GetCallerIdentityCommand({}))).Arn ?? '';
    await createRole(s, 'a');
    await createRole(s, 'b');
    await s.iam().send(new CreateUserCommand({ UserName: 'c' }));
    principals = [`arn:aws:iam::${s.accountId}:role/a`, `arn:aws:iam::${s.accountId}:role/b`, `arn:aws:iam::${s.accountId}:user/c`, 'arn:aws:iam::123:role/bad-account'];
  });
  after(async () => s?.close());

  const principal = fc.nat(3);
  const username = fc.constantFrom(undefined, 'dev-{{SessionName}}', 'system:evil', 'x'.repeat(300), 'ops');
  const groups = fc.constantFrom<string[] | undefined>(undefined, ['team'], ['system:masters'], ['a', 'a'], ['']);
  const policy = fc.constantFrom('AmazonEKSViewPolicy', 'AmazonEKSEditPolicy', 'AmazonEKSNoSuchPolicy');
  const scope = fc.constantFrom<{ type: 'cluster' | 'namespace'; namespaces?: string[] }>({ type: 'cluster' }, { type: 'namespace', namespaces: ['prod'] }, { type: 'namespace', namespaces: [] }, { type: 'namespace', namespaces: ['Bad_NS'] });
  const userName = fc.constantFrom('alice', 'bob', 'bad name!', '');

  const call: fc.Arbitrary<Call> = fc.oneof(
    fc.record({ p: principal, u: username, g: groups }).map(({ p, u, g }) => ({
      service: 'eks' as const,
      operation: 'CreateAccessEntry',
      write: true,
      send: (t: TestServer) => t.eks().send(new CreateAccessEntryCommand({ clusterName: CLUSTER, principalArn: principals[p], ...(u ? { username: u } : {}), ...(g ? { kubernetesGroups: g } : {}) })),
    })),
    fc.record({ p: principal, g: groups }).map(({ p, g }) => ({
      service: 'eks' as const,
      operation: 'UpdateAccessEntry',
      write: true,
      send: (t: TestServer) => t.eks().send(new UpdateAccessEntryCommand({ clusterName: CLUSTER, principalArn: principals[p], kubernetesGroups: g ?? [] })),
    })),
    principal.map((p) => ({
      service: 'eks' as const,
      operation: 'DeleteAccessEntry',
      write: true,
      send: (t: TestServer) => t.eks().send(new DeleteAccessEntryCommand({ clusterName: CLUSTER, principalArn: principals[p] })),
    })),
    fc.record({ p: principal, pol: policy, sc: scope }).map(({ p, pol, sc }) => ({
      service: 'eks' as const,
      operation: 'AssociateAccessPolicy',
      write: true,
      send: (t: TestServer) => t.eks().send(new AssociateAccessPolicyCommand({ clusterName: CLUSTER, principalArn: principals[p], policyArn: POLICY(pol), accessScope: sc })),
    })),
    fc.record({ p: principal, pol: policy }).map(({ p, pol }) => ({
      service: 'eks' as const,
      operation: 'DisassociateAccessPolicy',
      write: true,
      send: (t: TestServer) => t.eks().send(new DisassociateAccessPolicyCommand({ clusterName: CLUSTER, principalArn: principals[p], policyArn: POLICY(pol) })),
    })),
    fc.constantFrom('team', 'aws:reserved', '').map((key) => ({
      service: 'eks' as const,
      operation: 'TagResource',
      write: true,
      send: (t: TestServer) => t.eks().send(new TagResourceCommand({ resourceArn: `arn:aws:eks:${t.region}:${t.accountId}:cluster/${CLUSTER}`, tags: { [key]: 'v' } })),
    })),
    fc.constantFrom(CLUSTER, 'missing').map((clusterName) => ({
      service: 'eks' as const,
      operation: 'ListAccessEntries',
      write: false,
      send: (t: TestServer) => t.eks().send(new ListAccessEntriesCommand({ clusterName })),
    })),
    userName.map((UserName) => ({ service: 'iam' as const, operation: 'CreateUser', write: true, send: (t: TestServer) => t.iam().send(new CreateUserCommand({ UserName })) })),
    userName.map((UserName) => ({ service: 'iam' as const, operation: 'DeleteUser', write: true, send: (t: TestServer) => t.iam().send(new DeleteUserCommand({ UserName })) })),
    fc.record({ u: userName, pol: fc.constantFrom('ReadOnlyAccess', 'NoSuchPolicy') }).map(({ u, pol }) => ({
      service: 'iam' as const,
      operation: 'AttachUserPolicy',
      write: true,
      send: (t: TestServer) => t.iam().send(new AttachUserPolicyCommand({ UserName: u, PolicyArn: `arn:aws:iam::aws:policy/${pol}` })),
    })),
    fc.constant({ service: 'iam' as const, operation: 'ListUsers', write: false, send: (t: TestServer) => t.iam().send(new ListUsersCommand({})) }),
  );

  async function lastId(): Promise<number> {
    const [e] = await s.server.store.read((tx) => tx.queryAudit({ order: 'newest', limit: 1 }));
    return e?.id ?? 0;
  }
  async function eventsAfter(id: number): Promise<AuditEvent[]> {
    return s.server.store.read((tx) => tx.queryAudit({ afterId: id, limit: 100 }));
  }

  test('property: a failed call writes nothing but its refusal record; a successful write exactly one Success record', async () => {
    const name = 'audit: one operation path';
    await check(
      name,
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 6 }), async (calls) => {
        for (const c of calls) {
          await s.server.flushAudit();
          const state = await snapshot(s.server.store);
          const since = await lastId();
          let error: { name?: string } | undefined;
          try {
            await c.send(s);
          } catch (e) {
            error = e as { name?: string };
          }
          await s.server.flushAudit();
          const events = (await eventsAfter(since)).filter((e) => e.kind === 'management');
          const what = `${c.service}:${c.operation} ${error ? `failed with ${error.name}` : 'succeeded'}; events ${JSON.stringify(events.map((e) => [e.operation, e.result]))}`;
          note(name, `${c.operation}:${error ? 'failed' : 'ok'}`);
          if (error) {
            assert.equal(await snapshot(s.server.store), state, `${what}: a failed call changes nothing`);
            assert.equal(events.length, 1, `${what}: exactly one refusal record`);
            // The SDK names IAM's NoSuchEntity as NoSuchEntityException.
            assert.equal(events[0]?.result.replace(/Exception$/, ''), error.name?.replace(/Exception$/, ''), `${what}: the record carries the error code`);
          } else if (c.write) {
            assert.equal(events.length, 1, `${what}: exactly one record`);
            assert.equal(events[0]?.result, 'Success', what);
          } else {
            assert.equal(events.length, 0, `${what}: reads are not recorded without --audit-reads`);
          }
          for (const e of events) {
            assert.equal(e.operation, c.operation, what);
            assert.equal(e.service, c.service, what);
            assert.equal(e.principalArn, admin, what);
          }
        }
      }),
      { ci: 60, file: FILE },
    );
  });
});
