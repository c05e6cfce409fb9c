import { InputError } from '@backstage/errors';
import {
  ANNOTATION_DATASTACK_ENTITY_REF,
  ANNOTATION_DATASTACK_ENVIRONMENTS,
  ANNOTATION_DATASTACK_OWNER,
  compareEnvironments,
} from '@datastack/plugin-datastack-common';
import {
  type AppProject,
  type Application,
  YamlDataError,
  parseYamlDocuments,
} from '@datastack/plugin-datastack-node';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ANNOTATION_ARGOCD_INSTANCE } from '../render/renderer';

/*
 * The Argo CD manifests datastack:gitops:render wrote into a workspace, as
 * pre-flight and apply read them: one Application per component and
 * environment, the app of apps, and what each environment needs of the
 * team's AppProject. Parsed as plain data with alias limits.
 */

export interface Planned {
  environment: string;
  instance: string;
  application: Application;
  root: boolean;
  /** The workspace file it came from, for messages. */
  file: string;
}

/** What one environment needs of its team's AppProject (environments/<env>/project.yaml). */
export interface PlannedProject {
  environment: string;
  instance: string;
  project: AppProject;
}

export async function readYamlFile(file: string, relative: string) {
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

/**
 * The environments in the order the pipeline lists them (the rendered
 * System's `datastack.io/environments`: dev, staging, prod as the template
 * took them), so apply writes them in promotion order; empty when the
 * workspace has no such System.
 */
async function promotionOrder(base: string): Promise<string[]> {
  const file = path.join(base, 'catalog-info.yaml');
  const docs = await readYamlFile(file, 'catalog-info.yaml').catch(() => []);
  const system = (docs as Array<Record<string, any>>).find(
    d => d?.kind === 'System',
  );
  const listed =
    system?.metadata?.annotations?.[ANNOTATION_DATASTACK_ENVIRONMENTS];
  return typeof listed === 'string' ? listed.split(',').map(e => e.trim()) : [];
}

function rankIn(order: string[], environment: string): number {
  const i = order.indexOf(environment);
  return i === -1 ? order.length : i;
}

export async function readManifests(
  base: string,
): Promise<{ planned: Planned[]; projects: PlannedProject[] }> {
  const environmentsDir = path.join(base, 'environments');
  let environments: string[];
  try {
    environments = (await fs.readdir(environmentsDir, { withFileTypes: true }))
      .filter(d => d.isDirectory())
      .map(d => d.name);
  } catch {
    throw new InputError(
      'sourcePath has no environments/ directory: run datastack:gitops:render first',
    );
  }
  const order = await promotionOrder(base);
  environments.sort(
    (a, b) => rankIn(order, a) - rankIn(order, b) || compareEnvironments(a, b),
  );
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
  const rank = new Map(environments.map((e, i) => [e, i]));
  planned.sort(
    (a, b) =>
      rank.get(a.environment)! - rank.get(b.environment)! || wave(a) - wave(b),
  );
  return { planned, projects };
}

/**
 * The owner every rendered Application names, and each one's entity ref.
 * A workspace whose manifests name no owner, or two, was not rendered by
 * datastack:gitops:render for one pipeline and is refused.
 */
export function ownerOf(
  planned: Planned[],
  projects: PlannedProject[],
): string {
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
