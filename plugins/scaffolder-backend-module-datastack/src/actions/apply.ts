import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type {
  AppProject,
  Application,
  ArgoCdClient,
} from '@datastack/plugin-datastack-node';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { safeRelativePath } from '../render/input';
import { ANNOTATION_ARGOCD_INSTANCE } from '../render/renderer';
import { examples } from './apply.examples';

export interface ApplyActionOptions {
  /** One client per configured Argo CD instance, by instance name. */
  clients: Map<string, ArgoCdClient>;
  /** Milliseconds between two polls while waiting for sync and health. */
  pollIntervalMs?: number;
}

interface Planned {
  environment: string;
  instance: string;
  application: Application;
  root: boolean;
}

async function readManifests(base: string): Promise<Planned[]> {
  const environmentsDir = path.join(base, 'environments');
  let environments: string[];
  try {
    environments = (await fs.readdir(environmentsDir, { withFileTypes: true }))
      .filter(d => d.isDirectory())
      .map(d => d.name)
      .sort();
  } catch {
    throw new InputError(
      'sourcePath has no environments/ directory: run datastack:gitops:render first',
    );
  }
  const planned: Planned[] = [];
  for (const environment of environments) {
    const appsDir = path.join(environmentsDir, environment, 'applications');
    const files = (await fs.readdir(appsDir).catch(() => []))
      .filter(f => f.endsWith('.yaml'))
      .sort()
      .map(f => ({ file: path.join(appsDir, f), root: false }));
    files.push({
      file: path.join(environmentsDir, environment, 'root.yaml'),
      root: true,
    });
    for (const { file, root } of files) {
      const relative = path.relative(base, file);
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch {
        throw new InputError(
          `${relative} is missing: run datastack:gitops:render first`,
        );
      }
      for (const doc of parseAllDocuments(text)) {
        if (doc.errors.length) {
          throw new InputError(
            `${relative} is not valid YAML: ${doc.errors[0].message}`,
          );
        }
        const app = doc.toJS() as Application;
        if (app?.kind !== 'Application' || !app.metadata?.name) {
          throw new InputError(`${relative} is not an Argo CD Application`);
        }
        const instance = app.metadata.annotations?.[ANNOTATION_ARGOCD_INSTANCE];
        if (!instance) {
          throw new InputError(
            `${relative} has no ${ANNOTATION_ARGOCD_INSTANCE} annotation naming its Argo CD instance`,
          );
        }
        planned.push({ environment, instance, application: app, root });
      }
    }
  }
  // Component Applications in sync-wave order, then the app of apps.
  const wave = (p: Planned) =>
    p.root
      ? Infinity
      : Number(
          p.application.metadata.annotations?.[
            'argocd.argoproj.io/sync-wave'
          ] ?? 0,
        );
  return planned.sort(
    (a, b) => a.environment.localeCompare(b.environment) || wave(a) - wave(b),
  );
}

/** Waits `ms`, or rejects as soon as `signal` aborts (also when it already has). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () =>
      reject(new Error('Cancelled while waiting for Argo CD'));
    if (signal?.aborted) {
      cancelled();
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    const onAbort = () => {
      clearTimeout(timer);
      cancelled();
    };
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function projectFor(app: Application): AppProject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: app.spec.project, namespace: app.metadata.namespace },
    spec: {
      description: 'Created by Datastack',
      sourceRepos: ['*'],
      destinations: [{ server: '*', name: '*', namespace: '*' }],
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
    },
  };
}

/**
 * `datastack:argocd:apply`: creates or updates (upsert) the rendered
 * Applications and the app of apps of every environment on that
 * environment's Argo CD instance, through the Argo CD REST API. Checks the
 * AppProject first (creates it only when asked), can wait for sync and
 * health, and says in the task log exactly what it created when a later call
 * fails.
 */
export function createApplyAction(options: ApplyActionOptions) {
  const { clients } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 3000;
  return createTemplateAction({
    id: 'datastack:argocd:apply',
    description:
      'Creates or updates the rendered Argo CD Applications and app of apps on the Argo CD instance of each environment.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        sourcePath: z =>
          z
            .string()
            .optional()
            .describe(
              'Workspace sub-path datastack:gitops:render wrote to; default the workspace root',
            ),
        createProject: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Create a missing AppProject (allowing every destination); default false',
            ),
        wait: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Wait until every Application is Synced and Healthy; default false',
            ),
        timeoutSeconds: z =>
          z
            .number()
            .optional()
            .describe('How long to wait for sync and health; default 300'),
      },
      output: {
        applications: z =>
          z
            .record(z.string(), z.array(z.string()))
            .describe('Applied Application names per environment'),
        urls: z =>
          z
            .record(z.string(), z.string())
            .describe('Argo CD UI URL per Application name'),
        applied: z =>
          z
            .boolean()
            .describe(
              'False when no Argo CD instance is configured and nothing was applied',
            ),
      },
    },
    async handler(ctx) {
      const sourcePath = safeRelativePath(ctx.input.sourcePath, 'sourcePath');
      const timeoutSeconds = ctx.input.timeoutSeconds ?? 300;
      if (
        !Number.isInteger(timeoutSeconds) ||
        timeoutSeconds < 1 ||
        timeoutSeconds > 3600
      ) {
        throw new InputError(
          'timeoutSeconds must be a whole number from 1 to 3600',
        );
      }
      const base = resolveSafeChildPath(ctx.workspacePath, sourcePath);
      const planned = await readManifests(base);

      const byEnvironment: Record<string, string[]> = {};
      for (const p of planned) {
        (byEnvironment[p.environment] ??= []).push(p.application.metadata.name);
      }
      ctx.output('applications', byEnvironment);

      if (clients.size === 0) {
        const roots = planned.filter(p => p.root);
        ctx.logger.warn(
          `No Argo CD instance is configured (datastack.argocd.instances): nothing was applied. ` +
            `Apply each environment's app of apps by hand: ${roots
              .map(
                p =>
                  `kubectl apply -n ${
                    p.application.metadata.namespace ?? 'argocd'
                  } -f ${path.posix.join(
                    sourcePath,
                    'environments',
                    p.environment,
                    'root.yaml',
                  )}`,
              )
              .join('; ')}`,
        );
        ctx.output('urls', {});
        ctx.output('applied', false);
        return;
      }
      const unknown = [...new Set(planned.map(p => p.instance))].filter(
        i => !clients.has(i),
      );
      if (unknown.length) {
        throw new InputError(
          `The rendered Applications name Argo CD instances that are not configured: ${unknown.join(
            ', ',
          )}; configured: ${[...clients.keys()].join(', ')}`,
        );
      }

      const urls: Record<string, string> = {};
      for (const p of planned) {
        urls[p.application.metadata.name] = clients
          .get(p.instance)!
          .applicationUrl(p.application.metadata.name);
      }

      // Projects first: a missing one stops the step before any Application is written.
      const projects = new Map<string, Planned>();
      for (const p of planned)
        projects.set(`${p.instance}/${p.application.spec.project}`, p);
      for (const [key, p] of projects) {
        const client = clients.get(p.instance)!;
        const existing = await client.findProject(p.application.spec.project, {
          signal: ctx.signal,
        });
        if (existing) continue;
        if (!ctx.input.createProject) {
          throw new InputError(
            `AppProject "${p.application.spec.project}" does not exist on Argo CD instance "${p.instance}"; create it or set createProject`,
          );
        }
        if (ctx.isDryRun) {
          ctx.logger.info(`Dry run: would create AppProject ${key}`);
          continue;
        }
        await ctx.checkpoint({
          key: `datastack-apply-project-${key}`,
          fn: async () => {
            await client.createProject(projectFor(p.application), {
              signal: ctx.signal,
            });
          },
        });
        ctx.logger.info(
          `Created AppProject "${p.application.spec.project}" on Argo CD instance "${p.instance}"`,
        );
      }

      if (ctx.isDryRun) {
        for (const p of planned) {
          ctx.logger.info(
            `Dry run: would apply Application ${p.application.metadata.name} on ${p.instance}`,
          );
        }
        ctx.output('urls', urls);
        ctx.output('applied', false);
        return;
      }

      const applied: Planned[] = [];
      for (const p of planned) {
        const client = clients.get(p.instance)!;
        const name = p.application.metadata.name;
        try {
          await ctx.checkpoint({
            key: `datastack-apply-${p.instance}-${name}`,
            fn: async () => {
              await client.upsertApplication(p.application, {
                signal: ctx.signal,
              });
            },
          });
        } catch (error) {
          if (applied.length) {
            ctx.logger.error(
              `Applied before the failure (remove with DELETE /api/v1/applications/<name> or "argocd app delete <name>"): ${applied
                .map(a => `${a.application.metadata.name} on ${a.instance}`)
                .join(', ')}`,
            );
          }
          throw error;
        }
        applied.push(p);
        ctx.logger.info(
          `Applied ${name} on Argo CD instance "${p.instance}": ${urls[name]}`,
        );
      }
      ctx.output('urls', urls);
      ctx.output('applied', true);

      if (!ctx.input.wait) return;
      const deadline = Date.now() + timeoutSeconds * 1000;
      const pending = new Map(
        planned.filter(p => !p.root).map(p => [p.application.metadata.name, p]),
      );
      while (pending.size > 0) {
        for (const [name, p] of pending) {
          const app = await clients.get(p.instance)!.getApplication(name, {
            appNamespace: p.application.metadata.namespace,
            signal: ctx.signal,
          });
          const sync = app.status?.sync?.status ?? 'Unknown';
          const health = app.status?.health?.status ?? 'Unknown';
          if (sync === 'Synced' && health === 'Healthy') {
            ctx.logger.info(`${name}: Synced and Healthy`);
            pending.delete(name);
          } else if (
            health === 'Degraded' ||
            app.status?.operationState?.phase === 'Failed'
          ) {
            throw new Error(
              `Application ${name} on Argo CD instance "${
                p.instance
              }" is ${sync}/${health}: ${
                // A Degraded app's own health message says why; a failed sync's operation does.
                (health === 'Degraded'
                  ? app.status?.health?.message ??
                    app.status?.operationState?.message
                  : app.status?.operationState?.message ??
                    app.status?.health?.message) ?? 'no message'
              }`,
            );
          }
        }
        if (pending.size === 0) break;
        if (Date.now() > deadline) {
          throw new Error(
            `Timed out after ${timeoutSeconds} s waiting for ${[
              ...pending.keys(),
            ].join(', ')} to be Synced and Healthy`,
          );
        }
        ctx.logger.info(
          `Waiting for ${pending.size} Application(s) to be Synced and Healthy`,
        );
        await sleep(pollIntervalMs, ctx.signal);
      }
    },
  });
}
