/**
 * The deployment files under deploy/ and the Dockerfile: the systemd unit passes
 * `systemd-analyze verify`; the static pod and both kustomize overlays (rendered by the real
 * `kubectl kustomize`) validate against the Kubernetes schemas (kubernetes-models) and start
 * Entryway with arguments `entryway serve` accepts, on mounted paths; the image's start command
 * runs the built dist/ with production dependencies only and answers /healthz.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { parseServeArgs } from '../../src/cli/commands/serve.js';
import { rawHttp } from '../../src/cli/client.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const deploy = join(root, 'deploy');
const work = mkdtempSync(join(tmpdir(), 'entryway-deploy-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A tool this test needs: missing fails under CI=true, and skips with a message elsewhere. */
async function tool(cmd: string, args: string[]): Promise<string | false> {
  try {
    await run(cmd, args);
    return false;
  } catch (e) {
    const why = `${cmd} is not available (${(e as Error).message.split('\n')[0]})`;
    if (process.env.CI === 'true') throw new Error(why);
    return why;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = any;

/** Validates one object against its Kubernetes (or Prometheus Operator) schema. */
async function validate(obj: Obj): Promise<void> {
  const [group, version] = String(obj.apiVersion).includes('/') ? String(obj.apiVersion).split('/') : ['', obj.apiVersion];
  const mod = (group === 'monitoring.coreos.com'
    ? await import(`@kubernetes-models/prometheus-operator/${group}/${version}`)
    : await import(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`)) as Record<string, new (o: Obj) => { validate(): void }>;
  const Model = mod[obj.kind];
  assert.ok(Model, `no schema for ${obj.apiVersion} ${obj.kind}`);
  new Model(obj).validate();
}

const docs = (text: string): Obj[] => parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);

/** The container's arguments are ones `entryway serve` takes, and its paths are mounted. */
function checkContainer(podSpec: Obj, volumeMounts = true): ReturnType<typeof parseServeArgs> {
  const c = podSpec.containers[0];
  assert.equal(c.args[0], 'serve');
  const cfg = parseServeArgs(c.args.slice(1));
  const mounts: string[] = c.volumeMounts.map((m: Obj) => m.mountPath);
  if (volumeMounts) assert.ok(mounts.includes(cfg.dataDir), `the data dir ${cfg.dataDir} is a volume`);
  if (cfg.tls.mode === 'provided') for (const f of [cfg.tls.certPath, cfg.tls.keyPath]) assert.ok(mounts.some((m) => f.startsWith(m + '/')), `${f} is mounted`);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.ok(mounts.includes('/tmp'), 'a writable /tmp beside the read-only root');
  assert.ok(c.resources.requests.cpu && c.resources.requests.memory, 'resource requests');
  assert.equal(podSpec.securityContext.runAsNonRoot, true);
  assert.ok(podSpec.securityContext.runAsUser > 0);
  const probe = (p: Obj) => [p.httpGet.path, p.httpGet.scheme];
  assert.deepEqual(probe(c.livenessProbe), ['/healthz', 'HTTPS']);
  assert.deepEqual(probe(c.readinessProbe), ['/readyz', 'HTTPS']);
  return cfg;
}

describe('systemd unit', async () => {
  const missing = await tool('systemd-analyze', ['--version']);
  const unit = readFileSync(join(deploy, 'systemd', 'entryway.service'), 'utf8');
  const verify = async (text: string) => {
    const file = join(work, 'entryway.service');
    writeFileSync(file, text);
    try {
      const { stderr } = await run('systemd-analyze', ['verify', file]);
      return { code: 0, stderr };
    } catch (e) {
      return { code: 1, stderr: (e as { stderr?: string }).stderr ?? String(e) };
    }
  };

  test('passes systemd-analyze verify without a warning', { skip: missing }, async () => {
    assert.deepEqual(await verify(unit), { code: 0, stderr: '' });
  });

  test('the check fails on a mistyped or invalid option (so the test above can fail)', { skip: missing }, async () => {
    assert.match((await verify(unit.replace('NoNewPrivileges=yes', 'NoNewPrivilegs=yes'))).stderr, /Unknown key/);
    assert.match((await verify(unit.replace('ProtectSystem=strict', 'ProtectSystem=bogus'))).stderr, /protect system/i);
  });

  test('runs as its own user, sandboxed, with the data directory as its StateDirectory', () => {
    for (const line of ['User=entryway', 'StateDirectory=entryway', 'StateDirectoryMode=0700', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'CapabilityBoundingSet=']) {
      assert.ok(unit.split('\n').includes(line), line);
    }
    const exec = /^ExecStart=(\S+) (\S+) (.*)$/m.exec(unit);
    assert.ok(exec);
    const args = exec[3]!.replace('${STATE_DIRECTORY}', '/var/lib/entryway').split(' ');
    assert.equal(args[0], 'serve');
    assert.equal(parseServeArgs(args.slice(1)).dataDir, '/var/lib/entryway');
  });
});

test('static pod: host network, the data directory on a hostPath, /healthz and /readyz', async () => {
  const [pod] = docs(readFileSync(join(deploy, 'static-pod', 'entryway.yaml'), 'utf8'));
  await validate(pod);
  assert.equal(pod.spec.hostNetwork, true);
  const cfg = checkContainer(pod.spec);
  const data = pod.spec.volumes.find((v: Obj) => v.name === pod.spec.containers[0].volumeMounts.find((m: Obj) => m.mountPath === cfg.dataDir).name);
  assert.equal(data.hostPath.path, cfg.dataDir);
  assert.equal(cfg.host, '127.0.0.1', 'reachable by kube-apiserver on the node only');
  assert.equal(pod.spec.containers[0].livenessProbe.httpGet.host, '127.0.0.1');
});

describe('kustomize overlays', async () => {
  const missing = await tool('kubectl', ['version', '--client']);
  const render = async (overlay: string) => docs((await run('kubectl', ['kustomize', join(deploy, 'kubernetes', 'overlays', overlay)])).stdout);
  const byKind = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);
  const selects = (selector: Obj, labels: Obj) => Object.entries(selector).every(([k, v]) => labels[k] === v);

  test('every object of both overlays validates against the schemas', { skip: missing }, async () => {
    for (const overlay of ['sqlite', 'postgres']) {
      const objs = await render(overlay);
      assert.ok(objs.length >= 4, overlay);
      for (const o of objs) await validate(o).catch((e: unknown) => assert.fail(`${overlay}: ${o.kind} ${o.metadata?.name}: ${String(e)}`));
      for (const o of objs) if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'entryway', `${o.kind} in the namespace`);
    }
  });

  // kubernetes-models checks types, required fields, enums and formats, not unknown fields (the
  // API server's strict field validation would): the tests below check the fields that matter.
  test('the schema check fails on a wrong type, a missing field or a bad enum (so the test above can fail)', { skip: missing }, async () => {
    const [sts] = byKind(await render('sqlite'), 'StatefulSet');
    await assert.rejects(validate({ ...sts, spec: { ...sts.spec, replicas: 'one' } }), /replicas must be integer/);
    const { selector: _selector, ...noSelector } = sts.spec;
    await assert.rejects(validate({ ...sts, spec: noSelector }), /selector/);
    await assert.rejects(validate({ ...sts, spec: { ...sts.spec, podManagementPolicy: 'Sometimes' } }), /allowed values/);
  });

  test('sqlite: one StatefulSet replica with a volume for the data directory', { skip: missing }, async () => {
    const objs = await render('sqlite');
    const [sts] = byKind(objs, 'StatefulSet');
    assert.equal(sts.spec.replicas, 1);
    const cfg = checkContainer(sts.spec.template.spec, false);
    const claim = sts.spec.volumeClaimTemplates[0].metadata.name;
    assert.equal(sts.spec.template.spec.containers[0].volumeMounts.find((m: Obj) => m.name === claim).mountPath, cfg.dataDir);
    assert.equal(cfg.storeUrl, undefined, 'SQLite in the data directory');
    const [svc] = byKind(objs, 'Service');
    assert.ok(selects(svc.spec.selector, sts.spec.template.metadata.labels));
    assert.equal(sts.spec.serviceName, svc.metadata.name);
  });

  test('postgres: a Deployment of several replicas, PDB, Service, Secrets, ServiceMonitor', { skip: missing }, async () => {
    const objs = await render('postgres');
    const [dep] = byKind(objs, 'Deployment');
    assert.ok(dep.spec.replicas > 1);
    const spec = dep.spec.template.spec;
    const cfg = checkContainer(spec);
    assert.equal(cfg.tls.mode, 'provided');
    const env = spec.containers[0].env.find((e: Obj) => e.name === 'ENTRYWAY_STORE');
    const secrets = byKind(objs, 'Secret');
    const store = secrets.find((s) => s.metadata.name === env.valueFrom.secretKeyRef.name);
    assert.match(store.stringData[env.valueFrom.secretKeyRef.key], /^postgres:\/\//);
    const tlsVolume = spec.volumes.find((v: Obj) => v.secret);
    const tls = secrets.find((s) => s.metadata.name === tlsVolume.secret.secretName);
    assert.equal(tls.type, 'kubernetes.io/tls');
    const labels = dep.spec.template.metadata.labels;
    assert.ok(selects(dep.spec.selector.matchLabels, labels));
    const [pdb] = byKind(objs, 'PodDisruptionBudget');
    assert.ok(selects(pdb.spec.selector.matchLabels, labels) && Object.keys(pdb.spec.selector.matchLabels).length > 0, 'the PDB selects the pods');
    const [svc] = byKind(objs, 'Service');
    assert.ok(selects(svc.spec.selector, labels));
    const [sm] = byKind(objs, 'ServiceMonitor');
    assert.ok(selects(sm.spec.selector.matchLabels, svc.metadata.labels), 'the ServiceMonitor selects the Service');
    assert.equal(sm.spec.endpoints[0].port, svc.spec.ports[0].name);
  });
});

describe('container image', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const json = (instr: string) => JSON.parse(new RegExp(`^${instr} (\\[.*\\])$`, 'm').exec(final)![1]!) as string[];

  test('the final stage runs as a non-root user with the build, data and production dependencies only', () => {
    const user = /^USER (\S+)$/m.exec(final)?.[1];
    assert.ok(user && !/^(0|root)(:|$)/.test(user), `USER ${user}`);
    const copies = [...final.matchAll(/^COPY --from=build \/src\/(\S+) /gm)].map((m) => m[1]);
    assert.deepEqual(copies.sort(), ['data', 'dist', 'node_modules', 'package.json']);
    assert.match(dockerfile, /npm prune --omit=dev/);
  });

  test('the build stage copies every input of npm run build (the server and the console)', () => {
    const build = dockerfile.slice(0, dockerfile.lastIndexOf('\nFROM '));
    const copied = new Set([...build.matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/)));
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.match(pkg.scripts.build!, /tsc -p tsconfig\.build\.json/);
    assert.match(pkg.scripts.build!, /vite build --config console\/vite\.config\.ts/);
    for (const input of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'data', 'console']) assert.ok(copied.has(input), `COPY ${input}`);
    assert.doesNotMatch(readFileSync(join(root, '.dockerignore'), 'utf8'), /^console\/?$/m, 'console/ reaches the build context');
  });

  test("the build stage's inputs are enough: npm run build in a directory holding only them", async () => {
    // The build stage's /src, staged here: exactly what it COPYs, and the checkout's node_modules.
    const build = dockerfile.slice(0, dockerfile.lastIndexOf('\nFROM '));
    const src = join(work, 'build-src');
    for (const m of build.matchAll(/^COPY (.+) \S+$/gm)) for (const p of m[1]!.split(/\s+/)) cpSync(join(root, p), join(src, p), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(src, 'node_modules'));
    const r = spawnSync('npm', ['run', 'build'], { cwd: src, encoding: 'utf8', env: { ...process.env } });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.ok(existsSync(join(src, 'dist', 'cli', 'main.js')), 'the server is built');
    assert.ok(existsSync(join(src, 'dist', 'console-ui', 'index.html')), 'the console is built');
  });

  test('the built code imports production dependencies only', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const dist = join(root, 'dist');
    assert.ok(existsSync(dist), 'dist/ is built (npm run build)');
    const bare = new Set<string>();
    for (const f of readdirSync(dist, { recursive: true }) as string[]) {
      if (!f.endsWith('.js')) continue;
      const text = readFileSync(join(dist, f), 'utf8');
      // Static imports and re-exports at the start of a line, and dynamic import('…') of a literal.
      for (const m of text.matchAll(/^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm)) {
        const spec = (m[1] ?? m[2] ?? m[3])!;
        if (spec.startsWith('node:') || spec.startsWith('.')) continue;
        bare.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
    assert.ok(bare.size > 3);
    for (const name of bare) assert.ok(name in pkg.dependencies, `${name} is a production dependency`);
  });

  test("the image's start command serves and answers /healthz", async () => {
    // The image's /app, staged here: the same files, the checkout's node_modules.
    const app = join(work, 'app');
    for (const p of ['dist', 'data', 'package.json']) cpSync(join(root, p), join(app, p), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'));
    const [cmd, ...entry] = json('ENTRYPOINT');
    const args = [...entry.map((a) => a.replace(/^\/app\//, `${app}/`)), ...json('CMD')];
    assert.equal(cmd, 'node');
    assert.deepEqual(args.slice(1, 3), ['serve', '--data-dir']);
    const dataDir = join(work, 'data');
    // The image listens on 0.0.0.0:8443; here, a free loopback port (a later flag wins).
    const child = spawn(process.execPath, [...args, '--data-dir', dataDir, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const info = join(dataDir, 'server.json');
      for (let i = 0; i < 100 && !existsSync(info); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(existsSync(info), `the server started: ${stderr}`);
      const { url } = JSON.parse(readFileSync(info, 'utf8')) as { url: string };
      const res = await rawHttp(`${url}/healthz`, { method: 'GET', headers: {}, ca: readFileSync(join(dataDir, 'tls', 'ca.crt'), 'utf8') });
      assert.equal(res.status, 200);
      // The console is part of the image: dist/console-ui, found from /app's package.json.
      const page = await rawHttp(`${url}/console/`, { method: 'GET', headers: {}, ca: readFileSync(join(dataDir, 'tls', 'ca.crt'), 'utf8') });
      assert.equal(page.status, 200);
      assert.match(page.body.toString('utf8'), /<div id="app"><\/div>/);
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0, 'a clean stop on SIGTERM');
    }
  });
});
