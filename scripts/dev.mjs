#!/usr/bin/env node
// yarn dev: the portal with the Argo CD sandbox, so the whole product works on
// a laptop without a cluster or the internet. Starts three sandbox instances
// (dev, staging, prod on 8081-8083, reading GitOps repositories from
// .datastack/gitops), the chart repository stand-in on 8084 (Helm index
// repositories and Strimzi's OCI registry, the mirrors app-config.sandbox.yaml
// points the upgrade views at) and `yarn start` with app-config.sandbox.yaml;
// stops both on Ctrl-C. Once the sandbox answers, each instance gets the
// platform layer through its REST API: the AppProject `platform` and, on its
// in-cluster, the operator Applications "Platform operators" renders
// (Strimzi, Flink operator, Altinity, Spark operator, kube-prometheus-stack),
// which the sandbox syncs to Healthy, so a pipeline created in the portal
// passes pre-flight.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(path.join(root, 'package.json'));
const gitRoot = path.join(root, '.datastack', 'gitops');
mkdirSync(gitRoot, { recursive: true });

const children = [
  spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      path.join(root, 'packages/argocd-sandbox/src/main.ts'),
      '--instances',
      'dev:8081,staging:8082,prod:8083',
      '--token',
      'sandbox-token',
      '--sync-duration',
      '5000',
      '--git-root',
      gitRoot,
      '--charts',
      '8084',
    ],
    { cwd: root, stdio: 'inherit' },
  ),
  // backstage-cli resolves --config against each package: absolute paths.
  spawn(
    'yarn',
    [
      'start',
      '--config',
      path.join(root, 'app-config.yaml'),
      '--config',
      path.join(root, 'app-config.sandbox.yaml'),
      ...process.argv.slice(2),
    ],
    {
      cwd: root,
      stdio: 'inherit',
    },
  ),
];
const INSTANCES = [
  ['dev', 8081],
  ['staging', 8082],
  ['prod', 8083],
];
const TOKEN = 'sandbox-token';

/** The platform layer of one instance, rendered as the "Platform operators" template does. */
function platformLayer(instance) {
  // The TypeScript sources, through the same transform the sandbox runs with.
  require('@backstage/cli/config/nodeTransform.cjs');
  const { createDefaultRegistry, isOperatorBased } = require(path.join(
    root,
    'plugins/datastack-common/src/index.ts',
  ));
  const { renderPlatform } = require(path.join(
    root,
    'plugins/scaffolder-backend-module-datastack/src/render/platform.ts',
  ));
  const registry = createDefaultRegistry();
  const rendered = renderPlatform(
    {
      name: 'platform-operators',
      owner: 'group:default/platform-team',
      team: 'platform-team',
      description: 'The operators of the sandbox clusters',
      repoUrl: 'https://git.example.com/platform/cluster-addons.git',
      repoRevision: 'HEAD',
      argocdNamespace: 'argocd',
      automatedSync: true,
      operators: registry
        .list()
        .filter(isOperatorBased)
        .map(c => c.id),
      versions: {},
      clusters: [
        {
          argocdInstance: instance,
          cluster: { name: 'in-cluster' },
          size: 'small',
        },
      ],
    },
    registry,
  );
  return {
    project: rendered.projects[instance],
    applications: rendered.applications[instance],
  };
}

async function call(port, method, url, body) {
  const res = await fetch(`http://127.0.0.1:${port}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  }
  return res.json();
}

async function seedPlatform() {
  for (const [instance, port] of INSTANCES) {
    for (let attempt = 0; ; attempt++) {
      try {
        await call(port, 'GET', '/api/v1/projects/default');
        break;
      } catch (error) {
        if (attempt > 120) throw error;
        await new Promise(resolve => setTimeout(resolve, 500));
      }
    }
    const { project, applications } = platformLayer(instance);
    await call(port, 'POST', '/api/v1/projects', { project, upsert: true });
    for (const application of applications) {
      await call(port, 'POST', '/api/v1/applications?upsert=true', application);
    }
    process.stderr.write(
      `sandbox ${instance}: platform project and ${applications.length} operator Applications\n`,
    );
  }
}

seedPlatform().catch(error => {
  process.stderr.write(`Seeding the platform layer failed: ${error.message}\n`);
});

const stop = () =>
  children.forEach(c => c.exitCode === null && c.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const child of children) child.on('exit', stop);
