import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ANNOTATION_DATASTACK_ENTITY_REF,
  ANNOTATION_DATASTACK_OWNER,
  ownedBy,
  sameEntityRef,
} from '@datastack/plugin-datastack-common';
import {
  type AppProject,
  type Application,
  type ArgoCdClient,
  YamlDataError,
  parseYamlDocuments,
} from '@datastack/plugin-datastack-node';
import fs from 'node:fs/promises';
import path from 'node:path';
import { safeRelativePath } from '../render/input';
import { ANNOTATION_ARGOCD_INSTANCE } from '../render/renderer';
import type { OwnershipGuard } from '../tenancy/OwnershipGuard';
import { mergeProjects, missingFromProject } from '../tenancy/projectRules';
import { examples } from './apply.examples';

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

interface Planned {
  environment: string;
  instance: string;
  application: Application;
  root: boolean;
  /** The workspace file it came from, for messages. */
  file: string;
}

/** What one environment needs of its team's AppProject (environments/<env>/project.yaml). */
interface PlannedProject {
  environment: string;
  instance: string;
  project: AppProject;
}

async function readYamlFile(file: string, relative: string) {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new InputError(
      `${relative} is missing: run datastack:gitops:render first`,
    );
  }
  try {
    return parseYamlDocuments(text, relative, {
      maxDocuments: 20,
      maxLength: 1024 * 1024,
    });
  } catch (error) {
    if (error instanceof YamlDataError) throw new InputError(error.message);
    throw error;
  }
}

async function readManifests(
  base: string,
): Promise<{ planned: Planned[]; projects: PlannedProject[] }> {
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
  const projects: PlannedProject[] = [];
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
      for (const doc of await readYamlFile(file, relative)) {
        const app = doc as Application;
        if (app?.kind !== 'Application' || !app.metadata?.name) {
          throw new InputError(`${relative} is not an Argo CD Application`);
        }
        const instance = app.metadata.annotations?.[ANNOTATION_ARGOCD_INSTANCE];
        if (!instance) {
          throw new InputError(
            `${relative} has no ${ANNOTATION_ARGOCD_INSTANCE} annotation naming its Argo CD instance`,
          );
        }
        planned.push({
          environment,
          instance,
          application: app,
          root,
          file: relative,
        });
      }
    }
    const projectFile = path.join(environmentsDir, environment, 'project.yaml');
    const relative = path.relative(base, projectFile);
    const [project] = (await readYamlFile(projectFile, relative)) as [
      AppProject | undefined,
    ];
    if (project?.kind !== 'AppProject' || !project.metadata?.name) {
      throw new InputError(`${relative} is not an Argo CD AppProject`);
    }
    const instance =
      project.metadata.annotations?.[ANNOTATION_ARGOCD_INSTANCE] ?? '';
    projects.push({ environment, instance, project });
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
  planned.sort(
    (a, b) => a.environment.localeCompare(b.environment) || wave(a) - wave(b),
  );
  return { planned, projects };
}

/**
 * The owner every rendered Application names, and each one's entity ref.
 * A workspace whose manifests name no owner, or two, was not rendered by
 * datastack:gitops:render for one pipeline and is refused.
 */
function ownerOf(planned: Planned[], projects: PlannedProject[]): string {
  const owners = new Set<string>();
  for (const p of planned) {
    const annotations = p.application.metadata.annotations ?? {};
    const owner = annotations[ANNOTATION_DATASTACK_OWNER];
    if (!owner || !annotations[ANNOTATION_DATASTACK_ENTITY_REF]) {
      throw new InputError(
        `${p.file} has no ${ANNOTATION_DATASTACK_OWNER} and ${ANNOTATION_DATASTACK_ENTITY_REF} annotations: render it with datastack:gitops:render`,
      );
    }
    owners.add(owner.toLocaleLowerCase('en-US'));
  }
  for (const p of projects) {
    const owner = p.project.metadata.annotations?.[ANNOTATION_DATASTACK_OWNER];
    if (owner) owners.add(owner.toLocaleLowerCase('en-US'));
  }
  if (owners.size !== 1) {
    throw new InputError(
      `The rendered manifests name ${
        owners.size ? [...owners].join(' and ') : 'no owner'
      }; one pipeline has one owner`,
    );
  }
  return [...owners][0];
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
      const projectWrites: Array<{
        instance: string;
        project: AppProject;
        create: boolean;
      }> = [];
      const byInstance = new Map<string, AppProject>();
      for (const p of neededProjects) {
        if (!clients.has(p.instance)) {
          throw new InputError(
            `environments/${p.environment}/project.yaml names Argo CD instance "${p.instance}", which is not configured`,
          );
        }
        const known = byInstance.get(p.instance);
        byInstance.set(
          p.instance,
          known ? mergeProjects(known, p.project) : p.project,
        );
      }
      for (const [instance, needed] of byInstance) {
        const client = clients.get(instance)!;
        const name = needed.metadata.name;
        const existing = await client.findProject(name, { signal: ctx.signal });
        if (!existing) {
          if (!options.createProjects) {
            throw new InputError(
              `AppProject "${name}" does not exist on Argo CD instance "${instance}". The platform team creates it (environments/<env>/project.yaml in the rendered repository says what it must allow), or sets datastack.tenancy.createProjects`,
            );
          }
          projectWrites.push({ instance, project: needed, create: true });
          continue;
        }
        const missing = missingFromProject(existing, needed);
        if (missing.length === 0) continue;
        const ours = ownedBy(existing.metadata, owner);
        if (!ours) {
          throw new ConflictError(
            `AppProject "${name}" on Argo CD instance "${instance}" is not Datastack's for ${owner} and does not allow ${missing.join(
              '; ',
            )}; nothing was written`,
          );
        }
        if (!options.createProjects) {
          throw new InputError(
            `AppProject "${name}" on Argo CD instance "${instance}" does not allow ${missing.join(
              '; ',
            )}. Ask the platform team to add them, or set datastack.tenancy.createProjects`,
          );
        }
        projectWrites.push({
          instance,
          project: mergeProjects(existing, needed),
          create: false,
        });
      }
      for (const p of planned) {
        const { name, namespace } = p.application.metadata;
        const annotations = p.application.metadata.annotations ?? {};
        const existing = await clients
          .get(p.instance)!
          .findApplication(name, {
            appNamespace: namespace,
            signal: ctx.signal,
          });
        if (
          existing &&
          !ownedBy(
            existing.metadata,
            owner,
            annotations[ANNOTATION_DATASTACK_ENTITY_REF],
          )
        ) {
          const theirs =
            existing.metadata.annotations?.[ANNOTATION_DATASTACK_OWNER];
          throw new ConflictError(
            `Application "${name}" already exists on Argo CD instance "${
              p.instance
            }" in namespace ${
              existing.metadata.namespace ?? namespace
            } and is not ${annotations[ANNOTATION_DATASTACK_ENTITY_REF]}'s${
              theirs && !sameEntityRef(theirs, owner)
                ? ` (it belongs to ${theirs})`
                : ''
            }; pick another pipeline name. Nothing was written`,
          );
        }
      }

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

      for (const w of projectWrites) {
        const client = clients.get(w.instance)!;
        await ctx.checkpoint({
          key: `datastack-apply-project-${w.instance}-${w.project.metadata.name}`,
          fn: async () => {
            if (w.create) {
              await client.createProject(w.project, { signal: ctx.signal });
            } else {
              await client.updateProject(w.project, { signal: ctx.signal });
            }
          },
        });
        ctx.logger.info(
          `${w.create ? 'Created' : 'Extended'} AppProject "${
            w.project.metadata.name
          }" on Argo CD instance "${w.instance}"`,
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
