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
import { seedPlatform } from './lib/platformSeed.mjs';

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
      // The teams' Application namespaces (Argo CD "Applications in any namespace").
      '--application-namespaces',
      'argocd-apps-*',
      '--charts',
      '8084',
    ],
    // Each child leads a process group of its own, so a stop reaches what
    // it started too (backstage-cli starts the backend and the frontend).
    { cwd: root, stdio: 'inherit', detached: true },
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
      detached: true,
    },
  ),
];
const INSTANCES = [
  ['dev', 8081],
  ['staging', 8082],
  ['prod', 8083],
].map(([name, port]) => ({
  name,
  url: `http://127.0.0.1:${port}`,
  token: 'sandbox-token',
}));

seedPlatform(INSTANCES)
  .then(counts => {
    for (const [instance, n] of Object.entries(counts)) {
      process.stderr.write(
        `sandbox ${instance}: platform project and ${n} operator Applications\n`,
      );
    }
  })
  .catch(error => {
    process.stderr.write(
      `Seeding the platform layer failed: ${error.message}\n`,
    );
  });

const running = child => child.exitCode === null && child.signalCode === null;
const signalGroup = (child, signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
};
let stopping = false;
/**
 * Stops every child's process group (SIGTERM, then SIGKILL after 10 s) and
 * exits once they are gone: Ctrl-C, a SIGTERM to this process, or one
 * child exiting stops the whole portal.
 */
const stop = () => {
  if (stopping) return;
  stopping = true;
  for (const child of children) signalGroup(child, 'SIGTERM');
  const force = setTimeout(() => {
    for (const child of children) signalGroup(child, 'SIGKILL');
  }, 10_000);
  Promise.all(
    children.map(c =>
      running(c) ? new Promise(resolve => c.once('exit', resolve)) : null,
    ),
  ).then(() => {
    clearTimeout(force);
    // The groups may outlive their leaders for a moment.
    for (const child of children) signalGroup(child, 'SIGKILL');
    process.exit(0);
  });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('SIGHUP', stop);
for (const child of children) child.on('exit', stop);
