import { ConflictError, InputError } from '@backstage/errors';
import {
  ANNOTATION_DATASTACK_ENTITY_REF,
  ANNOTATION_DATASTACK_OWNER,
  ownedBy,
  sameEntityRef,
} from '@datastack/plugin-datastack-common';
import type {
  AppProject,
  ArgoCdClient,
} from '@datastack/plugin-datastack-node';
import { mergeProjects, missingFromProject } from './projectRules';
import type { Planned, PlannedProject } from './workspace';

/** A write of a team's AppProject that the checks found necessary and allowed. */
export interface ProjectWrite {
  instance: string;
  project: AppProject;
  create: boolean;
}

/**
 * Reads the team's AppProject on every instance a pipeline deploys through
 * and decides what may be written: nothing when it exists and already
 * allows the pipeline; a create or an extension only where
 * `createProjects` allows it and (for an extension) the project is
 * Datastack's for this owner. Anything else throws before any write, naming
 * the project, the instance and what is missing. Read-only.
 */
export async function planProjectWrites(options: {
  projects: PlannedProject[];
  clients: Map<string, ArgoCdClient>;
  owner: string;
  createProjects: boolean;
  signal?: AbortSignal;
}): Promise<ProjectWrite[]> {
  const {
    projects: neededProjects,
    clients,
    owner,
    createProjects,
    signal,
  } = options;
  const projectWrites: ProjectWrite[] = [];
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
    const existing = await client.findProject(name, { signal });
    if (!existing) {
      if (!createProjects) {
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
    if (!createProjects) {
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
  return projectWrites;
}

/**
 * Every rendered Application that already exists on its instance must carry
 * this pipeline's owner and entity-ref annotations; one that does not (another
 * team's, or one Datastack did not create) is a ConflictError naming it.
 * Read-only.
 */
export async function assertApplicationsOwned(options: {
  planned: Planned[];
  clients: Map<string, ArgoCdClient>;
  owner: string;
  signal?: AbortSignal;
}): Promise<void> {
  const { planned, clients, owner, signal } = options;
  for (const p of planned) {
    const { name, namespace } = p.application.metadata;
    const annotations = p.application.metadata.annotations ?? {};
    const existing = await clients.get(p.instance)!.findApplication(name, {
      appNamespace: namespace,
      signal,
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
}
