/**
 * Application sources that are Git repositories under the sandbox's git
 * root (`repoURL: file://…`, `path: <directory>`): their manifests are read
 * with `git` (as Argo CD's repo-server would render a plain directory) and
 * become the resources the Application syncs.
 */

import { isAbsolute, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InventoryItem } from './charts';
import {
  ImportError,
  ManifestDocument,
  readGitOpsManifests,
} from './gitImport';
import { glob, isClusterScoped } from './projectRules';
import type { ApplicationSource, ApplicationSpec } from './types';
import { isRecord } from './util';

/** What a local Git source resolved to: a commit and its manifests, or why not. */
export type GitSourceState =
  | { revision: string; documents: ManifestDocument[]; error?: undefined }
  | { error: string; revision?: undefined; documents?: undefined };

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * The documents a directory source renders, as the repo-server finds them:
 * only the top directory unless `directory.recurse`, then `directory.exclude`
 * and `directory.include` globs on the path relative to `source.path`.
 */
export function directoryDocuments(
  source: ApplicationSource,
  documents: ManifestDocument[],
): ManifestDocument[] {
  const directory = isRecord(source.directory) ? source.directory : {};
  const recurse = directory.recurse === true;
  const include = str(directory.include);
  const exclude = str(directory.exclude);
  const base = posix.normalize(source.path ?? '.').replace(/\/+$/, '');
  return documents.filter(doc => {
    const rel =
      base === '.' ? doc.file : posix.relative(base, posix.normalize(doc.file));
    if (!rel) return true; // the path is a file
    if (!recurse && rel.includes('/')) return false;
    if (exclude && glob(exclude, rel)) return false;
    return !include || glob(include, rel);
  });
}

/** Group and version of an `apiVersion` (`apps/v1` → apps, v1; `v1` → '', v1). */
export function splitApiVersion(apiVersion: string): {
  group: string;
  version: string;
} {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : {
        group: apiVersion.slice(0, slash),
        version: apiVersion.slice(slash + 1),
      };
}

function imagesOf(manifest: Record<string, unknown>): string[] | undefined {
  const spec = isRecord(manifest.spec) ? manifest.spec : {};
  const template = isRecord(spec.template) ? spec.template : undefined;
  const podSpec =
    template && isRecord(template.spec) ? template.spec : (spec as object);
  const containers = (podSpec as Record<string, unknown>).containers;
  if (!Array.isArray(containers)) return undefined;
  const images = containers
    .map(c => (isRecord(c) ? str(c.image) : ''))
    .filter(Boolean);
  return images.length ? images : undefined;
}

/**
 * The resources of a directory's manifests, as the controller sees them: a
 * namespaced resource without `metadata.namespace` goes to the
 * Application's destination namespace; cluster-scoped ones have none.
 */
export function manifestItems(
  documents: ManifestDocument[],
  destinationNamespace: string,
): InventoryItem[] {
  const items: InventoryItem[] = [];
  for (const doc of documents) {
    const manifest = doc.content;
    if (!isRecord(manifest)) continue;
    const kind = str(manifest.kind);
    const metadata = isRecord(manifest.metadata) ? manifest.metadata : {};
    const name = str(metadata.name);
    if (!kind || !name) continue;
    const { group, version } = splitApiVersion(str(manifest.apiVersion));
    const namespace = isClusterScoped(group, kind)
      ? ''
      : str(metadata.namespace) || destinationNamespace;
    const spec = isRecord(manifest.spec) ? manifest.spec : {};
    const replicas =
      typeof spec.replicas === 'number' ? spec.replicas : undefined;
    items.push({
      group,
      version,
      kind,
      namespace,
      name,
      ...(imagesOf(manifest) ? { images: imagesOf(manifest) } : {}),
      ...(replicas !== undefined ? { replicas } : {}),
      manifest,
    });
  }
  return items;
}

/** The Git sources of the sandbox's git root, read on demand and cached. */
export class GitSources {
  private readonly states = new Map<string, GitSourceState>();
  private changes = 0;

  constructor(private readonly gitRoot: string | undefined) {}

  /** Increases whenever a re-read changed what a source resolves to. */
  get epoch(): number {
    return this.changes;
  }

  private keyOf(source: ApplicationSource): string | undefined {
    if (!this.gitRoot || source.chart || !source.path) return undefined;
    if (!source.repoURL?.startsWith('file://')) return undefined;
    let path: string;
    try {
      path = fileURLToPath(source.repoURL);
    } catch {
      return undefined;
    }
    const rel = relative(resolve(this.gitRoot), resolve(path));
    if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
    return `${source.repoURL}|${source.targetRevision ?? ''}|${source.path}`;
  }

  /** Whether the source is a repository under the git root. */
  isLocal(source: ApplicationSource): boolean {
    return this.keyOf(source) !== undefined;
  }

  /**
   * What a local source resolved to when last read; undefined for other
   * sources. A local source never read is an error, so nothing unchecked
   * is ever synced.
   */
  state(source: ApplicationSource): GitSourceState | undefined {
    const key = this.keyOf(source);
    if (!key) return undefined;
    return (
      this.states.get(key) ?? {
        error: `manifests of ${source.repoURL} (path ${source.path}) have not been read; refresh the Application`,
      }
    );
  }

  private async load(source: ApplicationSource): Promise<GitSourceState> {
    const key = this.keyOf(source)!;
    const target = source.targetRevision;
    let next: GitSourceState;
    try {
      const read = await readGitOpsManifests(this.gitRoot!, {
        repoUrl: source.repoURL,
        path: source.path,
        revision: target && target !== 'HEAD' ? target : undefined,
      });
      next = { revision: read.revision, documents: read.documents };
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      next = {
        error: `rpc error: code = Unknown desc = failed to generate manifest for source 1 of 1: ${error.message}`,
      };
    }
    const before = this.states.get(key);
    if (
      before?.revision !== next.revision ||
      before?.error !== next.error ||
      (next.documents &&
        JSON.stringify(before?.documents) !== JSON.stringify(next.documents))
    ) {
      this.changes += 1;
    }
    this.states.set(key, next);
    return next;
  }

  /**
   * Re-reads the local sources of a spec and, recursively, of the
   * Applications their manifests hold (an app of apps' children), so a sync
   * started later by the "controller" finds them read.
   */
  async refresh(spec: unknown, depth = 0, seen = new Set<string>()) {
    if (!this.gitRoot || depth > 4 || !isRecord(spec)) return;
    const s = spec as Partial<ApplicationSpec>;
    const sources = [
      ...(s.source ? [s.source] : []),
      ...(Array.isArray(s.sources) ? s.sources : []),
    ].filter(isRecord) as ApplicationSource[];
    for (const source of sources) {
      const key = this.keyOf(source);
      if (!key || seen.has(key)) continue;
      seen.add(key);
      const state = await this.load(source);
      for (const doc of directoryDocuments(source, state.documents ?? [])) {
        const content = doc.content;
        if (
          isRecord(content) &&
          content.kind === 'Application' &&
          str(content.apiVersion).startsWith('argoproj.io/')
        ) {
          await this.refresh(content.spec, depth + 1, seen);
        }
      }
    }
  }
}
