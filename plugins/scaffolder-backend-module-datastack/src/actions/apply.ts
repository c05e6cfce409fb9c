import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { ArgoCdClient } from '@datastack/plugin-datastack-node';
import path from 'node:path';
import { safeRelativePath } from '../render/input';
import {
  assertApplicationsOwned,
  planProjectWrites,
} from '../tenancy/preWriteChecks';
import { type Planned, ownerOf, readManifests } from '../tenancy/workspace';
import type { OwnershipGuard } from '../tenancy/OwnershipGuard';
import { writeProject } from '../tenancy/projectWrites';
import { examples } from './apply.examples';

/** @public */
export interface ApplyActionOptions {
  /** One client per configured Argo CD instance, by instance name. */
  clients: Map<string, ArgoCdClient>;
  /** Proves the task's user may act for the pipeline's owner. */
  guard: OwnershipGuard;
  /**
   * Whether a team's AppProject may be created or extended
   * (datastack.tenancy.createProjects). Otherwise it must exist and allow
   * what the pipeline needs.
   */
  createProjects: boolean;
  /** Milliseconds between two polls while waiting for sync and health. */
  pollIntervalMs?: number;
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

/**
 * `datastack:argocd:apply`: creates or updates (upsert) the rendered
 * Applications and the app of apps of every environment on that
 * environment's Argo CD instance, through the Argo CD REST API. Checks the
 * AppProject first (creates it only when asked), can wait for sync and
 * health, and says in the task log exactly what it created when a later call
 * fails.
 *
 * @public
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
            .int()
            .min(1)
            .max(3600)
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
      const { planned, projects: neededProjects } = await readManifests(base);
      const owner = ownerOf(planned, neededProjects);

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
      // Before any request: the task's user must be a member of the owner.
      await options.guard.assertMayActFor(ctx, owner);
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
          .applicationUrl(
            p.application.metadata.name,
            p.application.metadata.namespace,
          );
      }

      // Every check before the first write: the team's AppProject on each
      // instance, and every Application that already exists, must be this
      // pipeline's (or absent). Nothing is written when one is not.
      const projectWrites = await planProjectWrites({
        projects: neededProjects,
        clients,
        owner,
        createProjects: options.createProjects,
        signal: ctx.signal,
      });
      await assertApplicationsOwned({
        planned,
        clients,
        owner,
        signal: ctx.signal,
      });

      if (ctx.isDryRun) {
        for (const w of projectWrites) {
          ctx.logger.info(
            `Dry run: would ${w.create ? 'create' : 'extend'} AppProject ${
              w.project.metadata.name
            } on ${w.instance}`,
          );
        }
        for (const p of planned) {
          ctx.logger.info(
            `Dry run: would apply Application ${p.application.metadata.name} on ${p.instance}`,
          );
        }
        ctx.output('urls', urls);
        ctx.output('applied', false);
        return;
      }

      for (const projectWrite of projectWrites) {
        const client = clients.get(projectWrite.instance)!;
        const written = await ctx.checkpoint({
          key: `datastack-apply-project-${projectWrite.instance}-${projectWrite.project.metadata.name}`,
          fn: async () => {
            const w = await writeProject({
              write: projectWrite,
              needed: neededProjects.filter(
                p => p.instance === projectWrite.instance,
              ),
              client,
              owner,
              createProjects: options.createProjects,
              signal: ctx.signal,
            });
            return { create: w?.create ?? false, wrote: Boolean(w) };
          },
        });
        ctx.logger.info(
          written.wrote
            ? `${written.create ? 'Created' : 'Extended'} AppProject "${
                projectWrite.project.metadata.name
              }" on Argo CD instance "${projectWrite.instance}"`
            : `AppProject "${projectWrite.project.metadata.name}" on Argo CD instance "${projectWrite.instance}" already allows the pipeline (another task of the team extended it)`,
        );
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
