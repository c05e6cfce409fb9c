import type { Config } from '@backstage/config';
import { InputError, NotFoundError } from '@backstage/errors';
import { DNS_1123_LABEL } from '@datastack/plugin-datastack-common';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readDeploymentConfig } from '../deployment';
import { runGit } from './git';

/** Marks the file path inside a local repository URL: `<repo>.git/-/blob/<branch>/<path>`. */
const BLOB = '/-/blob/';

/**
 * The embedded GitOps default: bare git repositories under a configured
 * local directory (`datastack.gitops.localRoot`), so the product can be tried
 * without a git host. Repository names are DNS-1123 labels; nothing outside
 * the root is ever touched.
 *
 * @public
 */
export class LocalGitRepositories {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  static fromConfig(config: Config): LocalGitRepositories {
    return new LocalGitRepositories(readDeploymentConfig(config).localRoot);
  }

  /**
   * The local repositories when this deployment may use them: undefined
   * with `datastack.gitops.localRepositories: false`; a startup error when
   * several replicas would each hold their own (see readDeploymentConfig).
   */
  static enabledFromConfig(config: Config): LocalGitRepositories | undefined {
    const deployment = readDeploymentConfig(config);
    return deployment.localRepositories
      ? new LocalGitRepositories(deployment.localRoot)
      : undefined;
  }

  /** The bare repository directory of `name`; InputError naming `field` for a bad name. */
  pathOf(name: string, field = 'localRepository'): string {
    if (
      typeof name !== 'string' ||
      !DNS_1123_LABEL.test(name) ||
      name.length > 63
    ) {
      throw new InputError(
        `${field} "${name}" must be a DNS-1123 label: lower-case letters, digits and "-"`,
      );
    }
    return path.join(this.root, `${name}.git`);
  }

  /** The clone URL of `name` (file://). */
  cloneUrl(name: string): string {
    return pathToFileURL(this.pathOf(name)).href;
  }

  /** A URL of one file of `name` on `branch`, readable by {@link LocalGitUrlReader}. */
  fileUrl(name: string, branch: string, file: string): string {
    return `${this.cloneUrl(name)}${BLOB}${branch}/${file.replace(/^\/+/, '')}`;
  }

  /** The URL of the repository tree on `branch`. */
  contentsUrl(name: string, branch: string): string {
    return `${this.cloneUrl(name)}${BLOB}${branch}/`;
  }

  /** True when `name` exists and has at least one ref. */
  async hasContent(name: string): Promise<boolean> {
    const dir = this.pathOf(name);
    try {
      await fs.access(dir);
    } catch {
      return false;
    }
    const refs = await runGit(['--git-dir', dir, 'for-each-ref', '--count=1']);
    return refs.trim().length > 0;
  }

  /** Creates the bare repository (idempotent for an empty one). */
  async ensure(name: string, defaultBranch: string): Promise<string> {
    const dir = this.pathOf(name);
    await fs.mkdir(this.root, { recursive: true });
    await runGit([
      'init',
      '--bare',
      '--quiet',
      `--initial-branch=${defaultBranch}`,
      dir,
    ]);
    return dir;
  }

  /**
   * Resolves a file URL made by {@link LocalGitRepositories.fileUrl} into its repository, ref and
   * path, refusing anything outside the root.
   */
  parseFileUrl(
    url: string,
  ): { gitDir: string; ref: string; file: string } | undefined {
    if (!url.startsWith('file:')) return undefined;
    const parsed = new URL(url);
    const pathname = decodeURIComponent(parsed.pathname);
    const at = pathname.indexOf(BLOB);
    if (at < 0) return undefined;
    const gitDir = path.resolve(pathname.slice(0, at));
    if (path.dirname(gitDir) !== this.root || !gitDir.endsWith('.git')) {
      return undefined;
    }
    const rest = pathname.slice(at + BLOB.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) return undefined;
    const ref = rest.slice(0, slash);
    const file = rest.slice(slash + 1);
    if (file.split('/').includes('..') || ref.startsWith('-')) return undefined;
    return { gitDir, ref, file };
  }

  /** Reads one file from a local repository by its URL. */
  async readFile(url: string): Promise<Buffer> {
    const target = this.parseFileUrl(url);
    if (!target) {
      throw new NotFoundError(
        `${url} is not a file of a local GitOps repository`,
      );
    }
    try {
      const out = await runGit(
        ['--git-dir', target.gitDir, 'show', `${target.ref}:${target.file}`],
        { timeoutMs: 10_000 },
      );
      return Buffer.from(out, 'utf8');
    } catch (error) {
      throw new NotFoundError(
        `${url} could not be read: ${(error as Error).message}`,
      );
    }
  }
}
