/**
 * POST /sandbox/import: reads the Argo CD manifests of a GitOps repository,
 * the way an app-of-apps root Application would apply them. Only local
 * repositories under the sandbox's git root are read (a path, or a
 * `file://` URL), with the `git` CLI and a timeout.
 */

import { execFile } from 'node:child_process';
import {
  mkdtemp,
  readFile,
  readdir,
  realpath,
  rm,
  stat,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** What to import. */
export interface ImportRequest {
  /** `file://` URL or path of the repository (bare or not). */
  repoUrl?: string;
  /** Path of the repository, relative to the git root or absolute. */
  repoPath?: string;
  /** Directory (or file) in the repository holding the manifests. */
  path?: string;
  /** Branch, tag or commit (default: the repository's HEAD). */
  revision?: string;
  /**
   * `namespace/name` (or `name`, in `argocd`) of the Application whose sync
   * the import stands for: every manifest is checked against its project and
   * each child Application is admitted by its own. Without it the import
   * applies everything, as an admin would.
   */
  asApplication?: string;
}

/** One YAML document found under the path. */
export interface ManifestDocument {
  /** File, relative to the repository root. */
  file: string;
  content: unknown;
}

/** The manifests read from the repository. */
export interface ImportedManifests {
  /** The commit read. */
  revision: string;
  documents: ManifestDocument[];
  /** Documents that could not be parsed. */
  invalid: Array<{ file: string; reason: string }>;
}

/** The import request cannot be served; the message says why. */
export class ImportError extends Error {
  readonly httpStatus: number;

  constructor(message: string, httpStatus = 400) {
    super(message);
    this.name = 'ImportError';
    this.httpStatus = httpStatus;
  }
}

function git(
  args: string[],
  cwd: string | undefined,
  timeoutMs: number,
): Promise<string> {
  return new Promise((done, fail) => {
    execFile(
      'git',
      args,
      {
        cwd,
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true' },
      },
      (error, stdout, stderr) => {
        if (error) {
          const detail = String(stderr || error.message)
            .trim()
            .split('\n')
            .pop();
          fail(new ImportError(`git ${args[0]} failed: ${detail}`));
        } else {
          done(String(stdout).trim());
        }
      },
    );
  });
}

function inside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

async function repositoryPath(
  gitRoot: string,
  request: ImportRequest,
): Promise<string> {
  const given = request.repoPath ?? request.repoUrl;
  if (!given) throw new ImportError('repoUrl or repoPath is required');
  let path = given;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given)) {
    if (!given.startsWith('file://')) {
      throw new ImportError(
        `only local repositories can be imported (a path or a file:// URL under the git root), not ${given}`,
      );
    }
    path = fileURLToPath(given);
  }
  const root = await realpath(gitRoot).catch(() => {
    throw new ImportError(`git root ${gitRoot} does not exist`, 500);
  });
  const absolute = resolve(root, path);
  const real = await realpath(absolute).catch(() => {
    throw new ImportError(`repository ${given} does not exist`);
  });
  if (!inside(root, real)) {
    throw new ImportError(`repository ${given} is not under the git root`);
  }
  return real;
}

async function listYamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name === '.git') continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listYamlFiles(full)));
    else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) files.push(full);
  }
  return files;
}

/**
 * Clones the repository into a temporary directory, checks out the revision
 * and parses every YAML document under `path` (multi-document files too).
 */
export async function readGitOpsManifests(
  gitRoot: string,
  request: ImportRequest,
  timeoutMs = 30_000,
): Promise<ImportedManifests> {
  const source = await repositoryPath(gitRoot, request);
  const work = await mkdtemp(join(tmpdir(), 'argocd-sandbox-import-'));
  try {
    const checkout = join(work, 'repo');
    await git(
      ['clone', '--quiet', '--no-hardlinks', '--', source, checkout],
      undefined,
      timeoutMs,
    );
    if (request.revision) {
      let commit: string | undefined;
      for (const candidate of [
        request.revision,
        `origin/${request.revision}`,
      ]) {
        commit = await git(
          ['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`],
          checkout,
          timeoutMs,
        ).catch(() => undefined);
        if (commit) break;
      }
      if (!commit) {
        throw new ImportError(
          `revision ${request.revision} not found in ${
            request.repoUrl ?? request.repoPath
          }`,
        );
      }
      await git(
        ['checkout', '--quiet', '--detach', commit],
        checkout,
        timeoutMs,
      );
    }
    const revision = await git(
      ['rev-parse', 'HEAD'],
      checkout,
      timeoutMs,
    ).catch(() => {
      throw new ImportError('the repository has no commits');
    });

    const root = await realpath(checkout);
    const target = await realpath(resolve(root, request.path ?? '.')).catch(
      () => {
        throw new ImportError(
          `path ${request.path} does not exist at ${revision}`,
        );
      },
    );
    if (!inside(root, target)) {
      throw new ImportError(`path ${request.path} leaves the repository`);
    }
    const info = await stat(target);
    const files = info.isDirectory() ? await listYamlFiles(target) : [target];

    const documents: ManifestDocument[] = [];
    const invalid: Array<{ file: string; reason: string }> = [];
    for (const file of files) {
      const name = relative(root, file).split(sep).join('/');
      const text = await readFile(file, 'utf8');
      for (const doc of parseAllDocuments(text)) {
        if (doc.errors.length) {
          invalid.push({ file: name, reason: doc.errors[0].message });
          continue;
        }
        const content: unknown = doc.toJS();
        if (content !== null && content !== undefined) {
          documents.push({ file: name, content });
        }
      }
    }
    return { revision, documents, invalid };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
