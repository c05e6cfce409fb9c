export { LocalGitRepositories } from './LocalGitRepositories';
export { LocalGitUrlReader } from './LocalGitUrlReader';
export { runGit, gitConfigEnv, GitCommandError } from './git';
export type { RunGitOptions } from './git';
