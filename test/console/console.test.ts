/**
 * The web console end to end, in Debian's Chromium (playwright-core): signing in through the link
 * `entryway console` prints, an access entry made and given policies in the browser, the access
 * checker, aws-auth and its migration plan, the one-way mode move, the audit trail; a ReadOnlyAccess
 * user who sees everything and is refused a write; sign-out, CSRF, XSS through user-supplied
 * strings, reused and expired links, a stolen cookie after sign-out. axe-core checks every screen,
 * and every screen is photographed (ENTRYWAY_SCREENSHOTS=dir keeps the pictures; docs/console.md
 * shows them).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessEntryCommand, DescribeClusterCommand, ListAssociatedAccessPoliciesCommand } from '@aws-sdk/client-eks';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Credentials, TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { entryway } from '../helpers/cli.js';
import type { AxeViolation } from '../helpers/browser.js';
import { axeCheck, browserSkip, launchChromium } from '../helpers/browser.js';
import { rawHttp } from '../../src/cli/client.js';
import { createCluster, POLICY } from '../e2e/lib.js';

// Functions passed to page.evaluate run in the browser; these names exist there, not in Node.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const window: any;

const skip = browserSkip();
const shots = process.env.ENTRYWAY_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'entryway-console-shots-'));
mkdirSync(shots, { recursive: true });

let s: TestServer;
let browser: Browser;
let clock = 0;
let aliceArn: string;
let bob: Credentials;
const violations: { screen: string; v: AxeViolation[] }[] = [];
const XSS_TAG = '<img src=x onerror="window.__xss=1">';
const XSS_USER = '<script>window.__xss=2</script>';

before(async () => {
  if (skip) return;
  s = await startTestServer({ now: () => Date.now() + clock });
  browser = await launchChromium();
  await createCluster(s.eks(), 'prod', 'API_AND_CONFIG_MAP');
  aliceArn = (await s.iam().send(new CreateUserCommand({ UserName: 'alice' }))).User!.Arn!;
  await s.iam().send(new CreateUserCommand({ UserName: 'bob' }));
  await s.iam().send(new AttachUserPolicyCommand({ UserName: 'bob', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
  const key = (await s.iam().send(new CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey!;
  bob = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
});

after(async () => {
  await browser?.close();
  await s?.close();
});

async function signInLink(credentials?: Credentials): Promise<string> {
  const env = credentials ? { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_PROFILE: '', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } : undefined;
  const r = await entryway(s, ['console', '--no-browser'], env ? { env } : {});
  assert.equal(r.code, 0, r.stderr);
  const url = r.stdout.trim();
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+\/console\/sign-in#code=[A-Za-z0-9_-]{43}$/);
  assert.match(r.stderr, /single use/);
  return url;
}

async function newPage(): Promise<{ ctx: BrowserContext; page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1360, height: 900 } });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // A refused API call logs the failed request; CSP violations would too, and are what we look for.
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) errors.push(`${page.url()} (${lastStep}): ${m.text().slice(0, 120)}`);
  });
  return { ctx, page, errors };
}

/** Photographs the screen and runs axe on it. */
let lastStep = '';
async function screen(page: Page, name: string): Promise<void> {
  lastStep = `before ${name}`;
  await page.waitForLoadState('networkidle');
  // caret: 'initial' — hiding the caret injects a style element, which the console's CSP (rightly) refuses.
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true, caret: 'initial' });
  lastStep = `shot ${name}`;
  const v = await axeCheck(page);
  lastStep = `after ${name}`;
  if (v.length) violations.push({ screen: name, v });
}

async function cookieOf(ctx: BrowserContext): Promise<string> {
  const c = (await ctx.cookies()).find((x) => x.name === '__Host-entryway-session');
  assert.ok(c, 'the session cookie is set');
  assert.equal(c.httpOnly, true);
  assert.equal(c.secure, true);
  assert.equal(c.sameSite, 'Strict');
  assert.equal(c.path, '/');
  return `${c.name}=${c.value}`;
}

async function raw(method: string, path: string, headers: Record<string, string>, body?: string) {
  const r = await rawHttp(s.url + path, { method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body ? { body: Buffer.from(body) } : {}), ca: s.ca });
  return { status: r.status, type: String(r.headers['x-amzn-errortype'] ?? ''), text: r.body.toString('utf8') };
}

test('the console: sign in, create an entry with policies, check access, aws-auth and its plan, move the mode, find it in the audit trail', { skip }, async () => {
  const { ctx, page, errors } = await newPage();
  const link = await signInLink();
  await page.goto(link);
  await page.getByRole('heading', { level: 1, name: 'Clusters' }).waitFor();
  assert.equal(new URL(page.url()).hash, '', 'the code leaves the address bar');
  assert.equal(new URL(page.url()).pathname, '/console/');
  await screen(page, 'clusters');
  const row = page.getByRole('row', { name: /prod/ });
  assert.match(await row.innerText(), /ACTIVE[\s\S]*API_AND_CONFIG_MAP[\s\S]*1/);

  // The cluster's overview, then its Access tab.
  await page.getByRole('link', { name: 'prod', exact: true }).click();
  await page.getByRole('heading', { name: 'Details' }).waitFor();
  await page.getByText(`${s.url}/k8s/prod`).waitFor();
  await screen(page, 'cluster-overview');
  await page.getByRole('link', { name: 'Access', exact: true }).click();
  await page.getByRole('heading', { name: /Access entries \(1\)/ }).waitFor();
  assert.match(await page.getByRole('row', { name: /entryway-admin/ }).innerText(), /never\s*$/, 'nobody has authenticated with it: its last use is "never"');
  await screen(page, 'access');

  // Create alice's entry: View at cluster scope, Edit in dev-*.
  await page.getByRole('link', { name: 'Create access entry' }).click();
  // The picker offers Entryway's IAM users and roles (ListUsers, ListRoles through the session).
  await page.locator(`#iam-principals option[value="${aliceArn}"]`).waitFor({ state: 'attached' });
  await page.getByLabel('IAM principal ARN').fill(aliceArn);
  await page.getByLabel('Kubernetes groups').fill('developers');
  await page.getByRole('button', { name: 'Add access policy' }).click();
  await page.getByRole('button', { name: 'Add access policy' }).click();
  await page.locator('#new-0-policy').selectOption({ label: 'AmazonEKSViewPolicy' });
  await page.locator('#new-1-policy').selectOption({ label: 'AmazonEKSEditPolicy' });
  await page.locator('#new-1-scope').selectOption('namespace');
  await page.locator('#new-1-ns').fill('dev-*');
  await screen(page, 'create-entry');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.getByRole('heading', { name: 'Access entry', exact: true }).waitFor();
  await page.getByText('Namespaces: dev-*').waitFor();
  await screen(page, 'entry');
  const assoc = await s.eks().send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'prod', principalArn: aliceArn }));
  assert.deepEqual(
    assoc.associatedAccessPolicies?.map((a) => [a.policyArn, a.accessScope?.type, a.accessScope?.namespaces]).sort(),
    [
      [POLICY('AmazonEKSEditPolicy'), 'namespace', ['dev-*']],
      [POLICY('AmazonEKSViewPolicy'), 'cluster', []],
    ],
  );

  // The access checker, from the entry's page.
  await page.getByRole('link', { name: 'Check access' }).click();
  assert.equal(await page.getByLabel('IAM principal ARN').inputValue(), aliceArn, 'the principal comes from the link');
  const ask = async (verb: string, resource: string, group: string, namespace: string) => {
    await page.getByLabel('Verb').fill(verb);
    await page.locator('#chk-resource').fill(resource);
    await page.getByLabel('API group').fill(group);
    await page.getByLabel('Namespace', { exact: true }).fill(namespace);
    await page.getByRole('button', { name: 'Check' }).click();
    const answer = page.locator('.answer');
    await answer.waitFor();
    await page.waitForFunction((ns) => document.querySelector('.answer .mono')?.textContent?.includes(ns ? `namespace ${ns}` : 'cluster-wide'), namespace);
    return answer.innerText();
  };
  assert.match(await ask('list', 'pods', '', 'kube-system'), /Allowed[\s\S]*AmazonEKSViewPolicy/);
  assert.match(await ask('create', 'deployments', 'apps', 'dev-web'), /Allowed[\s\S]*AmazonEKSEditPolicy/);
  const no = await ask('create', 'deployments', 'apps', 'prod');
  assert.match(no, /Not allowed by what Entryway sees/, 'no RBAC snapshot: the cluster may still allow it');
  assert.match(no, /RBAC bindings in the cluster for user \S+ or groups developers may still allow it: no RBAC snapshot/);
  assert.doesNotMatch(no, /Allowed by/);
  assert.match(new URL(page.url()).search, /namespace=prod/, 'the question is in the URL');
  await page.getByRole('heading', { name: 'Effective access-policy rules' }).waitFor();
  await page.getByRole('heading', { name: 'Namespaces: dev-*' }).waitFor();
  await screen(page, 'checker');

  // aws-auth: apply a document (its username is an XSS attempt), then the migration plan.
  await page.getByRole('link', { name: 'aws-auth', exact: true }).click();
  await page.getByText('This cluster has no aws-auth ConfigMap.').waitFor();
  const doc = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n  mapRoles: |\n    - rolearn: arn:aws:iam::${s.accountId}:role/ops\n      username: "${XSS_USER}"\n      groups:\n        - ops\n`;
  await page.getByLabel('aws-auth ConfigMap (YAML)').fill(doc);
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await page.getByText(/Applied: 1 mapRoles/).waitFor();
  await page.getByRole('cell', { name: XSS_USER }).waitFor();
  await page.getByRole('button', { name: 'Show the migration plan' }).click();
  await page.getByRole('table', { name: 'Migration plan' }).waitFor();
  assert.match(await page.getByRole('table', { name: 'Migration plan' }).innerText(), /mapRoles\[0\][\s\S]*role\/ops/);
  await screen(page, 'aws-auth');
  await page.getByRole('button', { name: 'YAML' }).click();
  assert.ok((await page.getByLabel('aws-auth YAML').innerText()).includes(XSS_USER), 'the YAML is shown as text');

  // The one-way move API_AND_CONFIG_MAP → API, confirmed.
  await page.getByRole('link', { name: 'Access', exact: true }).click();
  await page.getByRole('button', { name: 'Change to API' }).click();
  const dialog = page.getByRole('dialog');
  assert.match(await dialog.innerText(), /This cannot be undone/);
  await screen(page, 'mode-confirm');
  await dialog.getByRole('button', { name: 'Change to API' }).click();
  await page.getByText(/: Successful/).waitFor();
  await page.locator('li[aria-current="step"]', { hasText: /^API$/ }).waitFor();
  assert.equal((await s.eks().send(new DescribeClusterCommand({ name: 'prod' }))).cluster?.accessConfig?.authenticationMode, 'API');
  assert.equal(await page.getByRole('button', { name: /Change to/ }).count(), 0, 'no move is left after API');

  // Deleting the last cluster-admin access path is refused, and the dialog says why.
  await page.getByRole('link', { name: `arn:aws:iam::${s.accountId}:user/entryway-admin` }).click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete access entry' }).click();
  const refusal = page.getByRole('dialog').getByRole('alert');
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /InvalidRequestException[\s\S]*last cluster-admin access path of cluster prod/);
  await screen(page, 'delete-refused');
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('link', { name: 'Access entries' }).click();

  // "Who gave alice Edit, and when": her entry → History.
  await page.getByRole('link', { name: aliceArn }).click();
  await page.getByRole('link', { name: 'History' }).click();
  await page.getByRole('heading', { level: 1, name: 'Audit trail' }).waitFor();
  const edit = page.getByRole('row', { name: /eks:AssociateAccessPolicy/ }).filter({ hasText: 'AmazonEKSEditPolicy' });
  await edit.first().waitFor();
  assert.match(await edit.first().innerText(), /entryway-admin/);
  await edit.first().getByRole('button', { name: 'Show' }).click();
  await page.getByRole('heading', { name: 'After' }).waitFor();
  assert.match(await page.locator('pre.json').last().innerText(), /dev-\*/);
  await screen(page, 'audit');

  // The other screens: policies, identity providers, doctor.
  await page.getByRole('link', { name: 'Access policies' }).click();
  await page.getByRole('link', { name: 'AmazonEKSEditPolicy' }).click();
  await page.getByRole('table', { name: 'AmazonEKSEditPolicy rules' }).waitFor();
  await page.getByRole('link', { name: aliceArn }).waitFor();
  await screen(page, 'access-policy');
  await page.goto(`${s.url}/console/clusters/prod/identity-providers`);
  await page.getByText('No identity provider is associated.').waitFor();
  await page.getByRole('button', { name: 'Associate identity provider' }).click();
  await page.locator('#idp-name').fill('corp');
  await page.getByLabel('Issuer URL').fill('https://idp.example.test/realms/corp');
  await page.getByLabel('Client ID').fill('kubernetes');
  await page.getByLabel('Groups claim').fill('groups');
  await page.getByLabel('Groups prefix').fill('oidc:');
  await page.getByLabel('Required claims').fill('hd=example.test');
  await page.getByRole('button', { name: 'Associate', exact: true }).click();
  await page.getByText(/AssociateIdentityProviderConfig\): Successful/).waitFor();
  const idp = page.getByRole('row', { name: /corp/ });
  await idp.getByText('ACTIVE').waitFor();
  assert.match(await idp.innerText(), /idp\.example\.test[\s\S]*kubernetes[\s\S]*oidc:[\s\S]*hd=example\.test/);
  await screen(page, 'identity-providers');
  // Who can read secrets in prod: the cluster's RBAC (imported through the CLI) joined with the
  // access entries and the OIDC provider associated above; then the risky rights.
  const rbac = `apiVersion: v1
kind: List
items:
- {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: secret-reader}, rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: alice-secrets, namespace: prod}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
  subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "${aliceArn}"}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: platform-admins}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
  subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: "oidc:platform"}]
`;
  const imported = await entryway(s, ['rbac', 'import', '--cluster', 'prod', '-f', '-'], { input: rbac });
  assert.equal(imported.code, 0, imported.stderr);
  await page.getByRole('link', { name: 'Who can', exact: true }).click();
  await page.getByText(/Counting the cluster's RBAC snapshot of/).waitFor();
  await page.locator('#who-verb').fill('get');
  await page.locator('#who-resource').fill('secrets');
  await page.locator('#who-namespace').fill('prod');
  await page.getByRole('button', { name: 'Find who can' }).click();
  const who = page.getByRole('table', { name: 'Who can' });
  await who.waitFor();
  assert.match(await who.getByRole('row', { name: new RegExp(aliceArn) }).innerText(), /access entry[\s\S]*RBAC[\s\S]*RoleBinding "alice-secrets\/prod" of ClusterRole "secret-reader" to User/);
  assert.match(await who.getByRole('row', { name: /entryway-admin/ }).innerText(), /access policy[\s\S]*AmazonEKSClusterAdminPolicy/);
  assert.match(await who.getByRole('row', { name: /oidc:corp group platform/ }).innerText(), /OIDC corp group platform[\s\S]*ClusterRoleBinding "platform-admins" of ClusterRole "cluster-admin"/);
  assert.match(new URL(page.url()).search, /resource=secrets/, 'the question is in the URL');
  const risky = page.getByRole('table', { name: 'Risky rights' });
  assert.match(await risky.getByRole('row', { name: new RegExp(aliceArn) }).innerText(), /reads secrets[\s\S]*in prod/);
  assert.match(await risky.getByRole('row', { name: /oidc:corp group platform/ }).innerText(), /cluster-admin equivalent/);
  await screen(page, 'who-can');
  await page.goto(`${s.url}/console/clusters/prod/doctor`);
  await page.getByRole('heading', { name: 'Doctor' }).waitFor();
  await page.locator('td, .empty').first().waitFor();
  await screen(page, 'doctor');


  // Keyboard: the first Tab reaches the skip link, and Enter follows a focused nav link.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  await page.getByRole('link', { name: 'Audit trail' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Audit trail' }).waitFor();

  // Sign out: the page says so, and the cookie the browser had is refused from anywhere.
  const stolen = await cookieOf(ctx);
  const csrf = (await page.evaluate(() => fetch('/console/api/session', { credentials: 'same-origin' }).then((r) => r.json()))) as { csrfToken: string };
  assert.equal((await raw('GET', '/clusters', { cookie: stolen, 'x-entryway-csrf': csrf.csrfToken })).status, 200, 'the cookie works before sign-out');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You signed out.').waitFor();
  const after = await raw('GET', '/clusters', { cookie: stolen, 'x-entryway-csrf': csrf.csrfToken });
  assert.equal(after.status, 403);
  assert.equal(after.type, 'UnrecognizedClientException');
  assert.equal((await raw('POST', '/', { cookie: stolen, 'x-entryway-csrf': csrf.csrfToken, 'content-type': 'application/x-www-form-urlencoded' }, 'Action=ListUsers&Version=2010-05-08')).status, 403);
  await page.goto(`${s.url}/console/clusters/prod`);
  await page.getByText(/not signed in/i).first().waitFor();
  await screen(page, 'signed-out');
  assert.deepEqual(errors, [], 'no script errors or CSP violations');
  await ctx.close();

  // The reused link is refused.
  const { ctx: c2, page: p2 } = await newPage();
  await p2.goto(link);
  await p2.getByText(/not valid or was already used/).waitFor();
  await screen(p2, 'sign-in-refused');
  assert.equal((await c2.cookies()).length, 0);
  await c2.close();
});

test('a ReadOnlyAccess user sees the same pages and is refused a write with the AccessDenied message', { skip }, async () => {
  const { ctx, page } = await newPage();
  await page.goto(await signInLink(bob));
  await page.getByRole('heading', { level: 1, name: 'Clusters' }).waitFor();
  await page.getByText(/user\/bob/).first().waitFor();
  await page.goto(`${s.url}/console/clusters/prod/access`);
  await page.getByRole('link', { name: aliceArn }).waitFor();
  await page.getByRole('link', { name: aliceArn }).click();
  await page.getByText('Namespaces: dev-*').waitFor();
  await page.getByLabel('Kubernetes groups').fill('developers, sneaky');
  await page.getByRole('button', { name: 'Save changes' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const text = await alert.innerText();
  assert.match(text, /AccessDeniedException/);
  assert.match(text, /user\/bob is not authorized to perform: eks:UpdateAccessEntry/);
  await screen(page, 'read-only-refused');
  // Reads still work: the audit trail and the checker.
  await page.goto(`${s.url}/console/audit`);
  await page.getByRole('row', { name: /eks:CreateAccessEntry/ }).first().waitFor();
  const groups = (await s.eks().send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'prod', principalArn: aliceArn }))).associatedAccessPolicies?.length;
  assert.equal(groups, 2, 'nothing changed');
  await ctx.close();
});

test('user-supplied strings render as text: an access entry tag and an aws-auth username', { skip }, async () => {
  const role = `arn:aws:iam::${s.accountId}:role/tagged`;
  await s.iam().send(new CreateUserCommand({ UserName: 'tagged-user' }));
  const principal = `arn:aws:iam::${s.accountId}:user/tagged-user`;
  await s.eks().send(new CreateAccessEntryCommand({ clusterName: 'prod', principalArn: principal, tags: { note: XSS_TAG }, username: 'u-<b>bold</b>' }));
  const { ctx, page, errors } = await newPage();
  await page.goto(await signInLink());
  await page.getByRole('heading', { level: 1, name: 'Clusters' }).waitFor();
  await page.goto(`${s.url}/console/clusters/prod/access/entries/${encodeURIComponent(principal)}`);
  await page.getByText(XSS_TAG).waitFor();
  await page.getByText('u-<b>bold</b>').first().waitFor();
  assert.equal(await page.locator('main img, main b').count(), 0, 'no element was made from the strings');
  await page.goto(`${s.url}/console/clusters/prod/aws-auth`);
  await page.getByRole('cell', { name: XSS_USER }).waitFor();
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined, 'no injected script ran');
  assert.deepEqual(errors, []);
  void role;
  await ctx.close();
});

test('CSRF: a console call without the session token is refused, from the page and from outside', { skip }, async () => {
  const { ctx, page } = await newPage();
  await page.goto(await signInLink());
  await page.getByRole('heading', { level: 1, name: 'Clusters' }).waitFor();
  // From the page itself (the cookie goes along), without the header.
  const fromPage = await page.evaluate(async () => {
    const r = await fetch('/clusters/prod/access-entries', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ principalArn: 'arn:aws:iam::111122223333:role/csrf' }) });
    return { status: r.status, type: r.headers.get('x-amzn-errortype'), body: await r.text() };
  });
  assert.equal(fromPage.status, 403);
  assert.equal(fromPage.type, 'AccessDeniedException');
  assert.match(fromPage.body, /x-entryway-csrf/);
  const cookie = await cookieOf(ctx);
  for (const [method, path, body, headers] of [
    ['POST', '/clusters/prod/access-entries', JSON.stringify({ principalArn: 'arn:aws:iam::111122223333:role/csrf' }), {}],
    ['GET', '/?Action=CreateUser&Version=2010-05-08&UserName=csrf', undefined, {}],
    ['POST', '/clusters/prod/access-entries', JSON.stringify({ principalArn: 'arn:aws:iam::111122223333:role/csrf' }), { 'x-entryway-csrf': 'x'.repeat(43) }],
  ] as const) {
    const r = await raw(method, path, { cookie, ...headers }, body);
    assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
  }
  assert.equal((await s.iam().send(new CreateUserCommand({ UserName: 'csrf' }))).User?.UserName, 'csrf', 'the forged CreateUser did not happen');
  // Sign-out needs the token too.
  assert.equal((await raw('DELETE', '/console/api/session', { cookie })).status, 403);
  assert.equal((await raw('GET', '/clusters', { cookie, 'x-entryway-csrf': ((await page.evaluate(() => fetch('/console/api/session').then((r) => r.json()))) as { csrfToken: string }).csrfToken })).status, 200, 'the session survived');
  await ctx.close();
});

test('an expired sign-in link is refused', { skip }, async () => {
  const link = await signInLink();
  clock = 6 * 60_000;
  try {
    const { ctx, page } = await newPage();
    await page.goto(link);
    await page.getByText(/sign-in link has expired/).waitFor();
    assert.equal((await ctx.cookies()).length, 0);
    await ctx.close();
  } finally {
    clock = 0;
  }
});

test('every console screen passes axe-core (WCAG 2.1 AA)', { skip }, () => {
  assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
});
