import { execFile } from 'node:child_process';

/**
 * A git command that failed; the message carries git's own words, never credentials.
 *
 * @public
 */
export class GitCommandError extends Error {
  constructor(readonly args: string[], readonly stderr: string) {
    super(
      `git ${args[0]} failed: ${stderr.trim().split('\n').slice(-3).join(' ')}`,
    );
    this.name = 'GitCommandError';
  }
}

/** @public */
export interface RunGitOptions {
  cwd?: string;
  /** Extra environment, for example GIT_CONFIG_* entries carrying an auth header. */
  env?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Runs the git CLI without a shell. Credentials go through the environment
 * (GIT_CONFIG_COUNT/KEY/VALUE), never through arguments, so they appear in
 * no process list, log line or error message.
 *
 * @public
 */
export function runGit(
  args: string[],
  options: RunGitOptions = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        env: {
          ...process.env,
          GIT_TERMINAL_PROMPT: '0',
          GIT_ASKPASS: 'echo',
          ...options.env,
        },
        timeout: options.timeoutMs ?? 60_000,
        signal: options.signal,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(new GitCommandError(args, stderr || error.message));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

/**
 * Git configuration entries passed through the environment.
 *
 * @public
 */
export function gitConfigEnv(
  entries: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  const list = Object.entries(entries);
  env.GIT_CONFIG_COUNT = String(list.length);
  list.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}
