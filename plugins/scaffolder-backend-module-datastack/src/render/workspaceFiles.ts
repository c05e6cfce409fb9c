import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import type { Application } from '@datastack/plugin-datastack-node';
import fs from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';

/** Argo CD wants a Helm OCI repository without its scheme. */
export function helmRepoUrl(repository: string): string {
  return repository.startsWith('oci://')
    ? repository.slice('oci://'.length)
    : repository;
}

/** A YAML file of one document, with an optional comment line on top. */
export function yamlFile(value: unknown, header?: string): string {
  const body = stringify(value, { lineWidth: 0 });
  return header ? `# ${header}\n${body}` : body;
}

/**
 * Writes rendered files under `base` inside the workspace (paths checked to
 * stay inside it) and returns them relative to the workspace, sorted.
 */
export async function writeWorkspaceFiles(
  workspacePath: string,
  base: string,
  files: Record<string, string>,
): Promise<string[]> {
  const written: string[] = [];
  for (const [file, content] of Object.entries(files)) {
    const target = resolveSafeChildPath(base, file);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, content, 'utf8');
    written.push(path.relative(workspacePath, target));
  }
  return written.sort();
}

/** The Application names per environment (or instance), and each app of apps' name. */
export function applicationOutputs(rendered: {
  applications: Record<string, Application[]>;
  roots: Record<string, Application>;
}): {
  applications: Record<string, string[]>;
  rootApplications: Record<string, string>;
} {
  return {
    applications: Object.fromEntries(
      Object.entries(rendered.applications).map(([key, apps]) => [
        key,
        apps.map(a => a.metadata.name),
      ]),
    ),
    rootApplications: Object.fromEntries(
      Object.entries(rendered.roots).map(([key, app]) => [
        key,
        app.metadata.name,
      ]),
    ),
  };
}
