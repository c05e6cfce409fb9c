/**
 * CLI: starts one sandbox per instance and prints one line per instance.
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs \
 *     packages/argocd-sandbox/src/main.ts \
 *     --instances dev:8081,staging:8082,prod:8083 --token sandbox-token \
 *     --sync-duration 3000 --git-root .datastack/gitops --charts 8084 \
 *     --application-namespaces 'argocd-apps-*' --https .datastack/sandbox-ca.pem
 */

import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  ArgoCdSandbox,
  SandboxClusterOptions,
  startArgoCdSandbox,
} from './server';
import type { SandboxUser } from './auth';
import { startChartRepository } from './chartRepository';
import { SandboxTls, generateSandboxTls } from './tls';

const USAGE = `Usage: main.ts [options]

DEV ONLY: in-memory stand-ins for Argo CD, Kubernetes and chart repositories.

Options:
  --instances name:port[,name:port…]  instances to start (default dev:8081; none for none)
  --token TOKEN                       static bearer token the API accepts
  --users user:password[,…]           local accounts for POST /api/v1/session
  --project-tokens TOKEN=proj:P:R[,…] project-scoped tokens: each may do what
                                      role R of AppProject P allows
  --sync-duration MS                  duration of a sync operation (default 3000)
  --latency MS                        delay before every API answer (default 0)
  --git-root DIR                      repositories POST /sandbox/import may read;
                                      Applications with a file:// source under
                                      it sync the manifests of their path
  --application-namespaces NS[,NS…]   namespaces besides argocd that may hold
                                      Applications (globs, /regex/; default none)
  --host HOST                         interface to listen on (default 127.0.0.1)
  --https CA_FILE                     serve the instances over HTTPS with a
                                      certificate of a CA generated at start,
                                      and write the CA's PEM to CA_FILE (for
                                      a cluster's caFile or caData)
  --kube-version VERSION              Kubernetes version of in-cluster (default v1.30.4)
  --clusters name=server@version[,…]  more clusters on every instance
  --seed N                            synthetic Applications per instance
  --charts PORT                       also serve the chart repositories (Helm
                                      index + OCI) of the registry's components
  --charts-latency MS                 delay before every chart repository answer
  --charts-large-index BYTES          pad the observability index to about BYTES
  --help                              show this help

Without --token and --users the API needs no authentication.`;

interface CliOptions {
  instances: Array<{ name: string; port: number }>;
  token?: string;
  users: SandboxUser[];
  projectTokens: Record<string, string>;
  syncDurationMs?: number;
  latencyMs?: number;
  gitRoot?: string;
  applicationNamespaces: string[];
  host?: string;
  httpsCaFile?: string;
  kubeVersion?: string;
  clusters: SandboxClusterOptions[];
  seed: number;
  chartsPort?: number;
  chartsLatencyMs?: number;
  chartsLargeIndexBytes?: number;
}

function fail(message: string): never {
  process.stderr.write(`argocd-sandbox: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function number(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    fail(`${flag} needs a number >= 0, not "${value}"`);
  return n;
}

function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = {
    instances: [{ name: 'dev', port: 8081 }],
    users: [],
    projectTokens: {},
    clusters: [],
    applicationNamespaces: [],
    seed: 0,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    const value =
      eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) fail(`${flag} needs a value`);
    switch (flag) {
      case '--instances':
        if (value === 'none') {
          options.instances = [];
          break;
        }
        options.instances = value.split(',').map(spec => {
          const match = /^([a-z0-9][-a-z0-9]*):(\d+)$/.exec(spec.trim());
          if (!match) fail(`bad instance "${spec}", expected name:port`);
          return { name: match[1], port: Number(match[2]) };
        });
        break;
      case '--token':
        options.token = value;
        break;
      case '--users':
        options.users = value.split(',').map(pair => {
          const colon = pair.indexOf(':');
          if (colon <= 0) fail(`bad user "${pair}", expected user:password`);
          return {
            username: pair.slice(0, colon),
            password: pair.slice(colon + 1),
          };
        });
        break;
      case '--project-tokens':
        for (const pair of value.split(',')) {
          const match = /^([^=]+)=(proj:[^:]+:[^:]+)$/.exec(pair.trim());
          if (!match) {
            fail(
              `bad project token "${pair}", expected TOKEN=proj:project:role`,
            );
          }
          options.projectTokens[match[1]] = match[2];
        }
        break;
      case '--sync-duration':
        options.syncDurationMs = number(flag, value);
        break;
      case '--latency':
        options.latencyMs = number(flag, value);
        break;
      case '--git-root':
        options.gitRoot = resolve(value);
        break;
      case '--application-namespaces':
        options.applicationNamespaces = value
          .split(',')
          .map(ns => ns.trim())
          .filter(Boolean);
        break;
      case '--host':
        options.host = value;
        break;
      case '--https':
        options.httpsCaFile = resolve(value);
        break;
      case '--kube-version':
        options.kubeVersion = value;
        break;
      case '--clusters':
        options.clusters = value.split(',').map(spec => {
          const match = /^([^=]+)=(.+)@(v?\d+\.\d+(?:\.\d+)?)$/.exec(
            spec.trim(),
          );
          if (!match)
            fail(`bad cluster "${spec}", expected name=server@version`);
          return { name: match[1], server: match[2], serverVersion: match[3] };
        });
        break;
      case '--seed':
        options.seed = number(flag, value);
        break;
      case '--charts':
        options.chartsPort = number(flag, value);
        break;
      case '--charts-latency':
        options.chartsLatencyMs = number(flag, value);
        break;
      case '--charts-large-index':
        options.chartsLargeIndexBytes = number(flag, value);
        break;
      default:
        fail(`unknown option ${flag}`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const sandboxes: Array<Pick<ArgoCdSandbox, 'close'>> = [];
  const stop = async () => {
    await Promise.all(sandboxes.map(s => s.close()));
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  // One CA for every instance, so one caFile trusts them all.
  let tls: SandboxTls | undefined;
  if (options.httpsCaFile) {
    tls = await generateSandboxTls();
    await writeFile(options.httpsCaFile, tls.ca);
    // eslint-disable-next-line no-console
    console.log(
      `argocd-sandbox: HTTPS with a CA generated at start, its PEM in ${options.httpsCaFile}`,
    );
  }

  for (const instance of options.instances) {
    const sandbox = await startArgoCdSandbox({
      name: instance.name,
      port: instance.port,
      host: options.host,
      token: options.token,
      users: options.users,
      projectTokens: options.projectTokens,
      latencyMs: options.latencyMs,
      syncDurationMs: options.syncDurationMs,
      kubeVersion: options.kubeVersion,
      clusters: options.clusters,
      gitRoot: options.gitRoot,
      applicationNamespaces: options.applicationNamespaces,
      tls,
    });
    sandboxes.push(sandbox);
    if (options.seed > 0) sandbox.seedApplications(options.seed);
    const details = [
      options.token ||
      options.users.length ||
      Object.keys(options.projectTokens).length
        ? 'token auth'
        : 'no auth',
      `sync ${options.syncDurationMs ?? 3000} ms`,
    ];
    if (options.seed > 0) details.push(`${options.seed} seeded apps`);
    if (options.applicationNamespaces.length) {
      details.push(
        `application namespaces ${options.applicationNamespaces.join(',')}`,
      );
    }
    if (options.gitRoot) {
      const missing = existsSync(options.gitRoot)
        ? ''
        : ' (does not exist yet)';
      details.push(`git root ${options.gitRoot}${missing}`);
    }
    // eslint-disable-next-line no-console
    console.log(
      `argocd-sandbox ${instance.name}: ${sandbox.url} ` +
        `(Argo CD /api, Kubernetes /k8s/<cluster>, control /sandbox; ${details.join(
          ', ',
        )})`,
    );
  }

  if (options.chartsPort !== undefined) {
    const charts = await startChartRepository({
      port: options.chartsPort,
      host: options.host,
      latencyMs: options.chartsLatencyMs,
      largeIndexBytes: options.chartsLargeIndexBytes,
    });
    sandboxes.push(charts);
    const oci = charts.repositories.filter(r => r.kind === 'oci');
    const indexes = charts.repositories.filter(r => r.kind === 'index');
    // eslint-disable-next-line no-console
    console.log(
      `chart-repository: ${
        charts.url
      } (Helm /charts/<component>/index.yaml for ${indexes
        .map(r => r.componentId)
        .join(', ')}; OCI ${oci
        .map(r => `${r.mirror}/${r.chart}`)
        .join(', ')}; control /sandbox)`,
    );
  }
}

main().catch(error => {
  process.stderr.write(
    `argocd-sandbox: ${
      error instanceof Error ? error.message : String(error)
    }\n`,
  );
  process.exit(1);
});
