import { ConflictError, InputError } from '@backstage/errors';
import { messageOf } from './hostApi';
import type { ValidatedBump } from './input';

/**
 * The branch a bump starts from, after one `git ls-remote` of the remote:
 * the given base, else the remote's default branch (else main or master).
 * InputError when the remote cannot be read, is empty or lacks the base;
 * ConflictError when the new branch exists already.
 */
export async function baseOfRemote(
  git: (args: string[]) => Promise<string>,
  remote: string,
  request: Pick<ValidatedBump, 'repository' | 'branch' | 'baseBranch'>,
): Promise<string> {
  const { repository } = request;
  const refs = await git(['ls-remote', '--symref', remote]).catch(error => {
    throw new InputError(
      `repository "${repository}" cannot be read: ${messageOf(error)}`,
    );
  });
  const heads = new Set<string>();
  let defaultBranch: string | undefined;
  for (const line of refs.split('\n')) {
    const symref = /^ref: refs\/heads\/(\S+)\tHEAD$/.exec(line);
    if (symref) defaultBranch = symref[1];
    const head = /^[0-9a-f]{40,64}\trefs\/heads\/(\S+)$/.exec(line);
    if (head) heads.add(head[1]);
  }
  if (!heads.size) {
    throw new InputError(`repository "${repository}" has no commits`);
  }
  const base =
    request.baseBranch ??
    (defaultBranch && heads.has(defaultBranch) ? defaultBranch : undefined) ??
    ['main', 'master'].find(b => heads.has(b));
  if (!base) {
    throw new InputError(
      `repository "${repository}" has no default branch; give baseBranch`,
    );
  }
  if (!heads.has(base)) {
    throw new InputError(
      `baseBranch "${base}" does not exist in repository "${repository}"`,
    );
  }
  if (heads.has(request.branch)) {
    throw new ConflictError(
      `branch "${request.branch}" already exists in repository "${repository}"; an upgrade may already be proposed there. Merge or delete it, or give another branch`,
    );
  }
  return base;
}

/** Deletes a pushed branch again; says what happened in one sentence. */
export async function deleteBranch(
  branch: string,
  commitHash: string,
  git: (args: string[]) => Promise<string>,
): Promise<string> {
  try {
    await git([
      'push',
      '--quiet',
      '--no-verify',
      `--force-with-lease=refs/heads/${branch}:${commitHash}`,
      'origin',
      '--delete',
      branch,
    ]);
    return `The branch "${branch}" was deleted again, so the proposal can be retried`;
  } catch (error) {
    return `The branch "${branch}" stays pushed and could not be deleted (${messageOf(
      error,
    )}); delete it before retrying`;
  }
}
