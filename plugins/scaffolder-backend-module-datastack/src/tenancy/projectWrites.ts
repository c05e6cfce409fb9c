import { ArgoCdRequestError } from '@datastack/plugin-datastack-node';
import type { ArgoCdClient } from '@datastack/plugin-datastack-node';
import { type ProjectWrite, planProjectWrites } from './preWriteChecks';
import type { PlannedProject } from './workspace';

/** Attempts at one project write when other tasks of the team write it too. */
const ATTEMPTS = 5;

/** gRPC codes Argo CD answers a write that lost a race with: AlreadyExists, Aborted. */
const RACE_CODES = new Set([6, 10]);

/**
 * True when a project write failed because another writer got there first:
 * the create of a project that now exists (Argo CD answers AlreadyExists, or
 * InvalidArgument "existing project spec is different" when the specs
 * differ), or an update whose resourceVersion is no longer the current one
 * (Aborted, "the object has been modified").
 */
export function lostRace(error: unknown): boolean {
  if (!(error instanceof ArgoCdRequestError)) return false;
  if (error.code !== undefined && RACE_CODES.has(error.code)) return true;
  if (error.status === 409) return true;
  return /existing project spec is different/.test(error.message);
}

/**
 * Writes one planned AppProject. Two pipelines of one team applied at once
 * (two tasks, maybe on two replicas) plan against the same project: when
 * this write loses the race, the project is read again and re-planned with
 * the same rules (planProjectWrites: only Datastack's own project for this
 * owner is ever extended), so the other task's additions are kept and this
 * one's are added on top. Returns what was finally written, or undefined
 * when the other writer already allowed everything this pipeline needs.
 */
export async function writeProject(options: {
  write: ProjectWrite;
  /** The rendered projects this pipeline needs on the write's instance. */
  needed: PlannedProject[];
  client: ArgoCdClient;
  owner: string;
  createProjects: boolean;
  signal?: AbortSignal;
}): Promise<ProjectWrite | undefined> {
  const { client, needed, owner, createProjects, signal } = options;
  let write: ProjectWrite | undefined = options.write;
  for (let attempt = 1; write; attempt++) {
    try {
      if (write.create) {
        await client.createProject(write.project, { signal });
      } else {
        await client.updateProject(write.project, { signal });
      }
      return write;
    } catch (error) {
      if (!lostRace(error) || attempt >= ATTEMPTS) throw error;
    }
    const [replanned] = await planProjectWrites({
      projects: needed,
      clients: new Map([[write.instance, client]]),
      owner,
      createProjects,
      signal,
    });
    write = replanned;
  }
  return undefined;
}
