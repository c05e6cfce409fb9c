export { LocalGitRepositories } from './LocalGitRepositories';
export { LocalGitUrlReader } from './LocalGitUrlReader';
export { runGit, gitConfigEnv, GitCommandError } from './git';
export type { RunGitOptions } from './git';
export { gitCredentialsFor, gitCredentialsEnv } from './credentials';
export {
  ChartBumper,
  DEFAULT_GIT_HOST_TIMEOUT_MS,
  DEFAULT_GIT_HOST_MAX_RESPONSE_BYTES,
  editApplication,
} from './bump';
export {
  BRANCH_PATTERN,
  CHART_VERSION_PATTERN,
  EMAIL_PATTERN,
} from './bump/input';
export type {
  ChartBumpInput,
  ChartBumpOptions,
  ChartBumperOptions,
} from './bump';
export type { ValueMove } from './bump/input';
export * from './hosts';
