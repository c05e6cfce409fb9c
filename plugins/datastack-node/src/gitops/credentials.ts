import {
  DefaultGithubCredentialsProvider,
  ScmIntegrationRegistry,
} from '@backstage/integration';
import { gitConfigEnv } from './git';

/**
 * Basic-auth credentials for pushing to an http(s) git URL, from Backstage's
 * integrations config. Undefined when no integration covers the host, in
 * which case git pushes without credentials.
 *
 * @public
 */
export async function gitCredentialsFor(
  integrations: ScmIntegrationRegistry,
  url: string,
): Promise<{ username: string; password: string } | undefined> {
  const integration = integrations.byUrl(url);
  if (!integration) return undefined;
  switch (integration.type) {
    case 'github': {
      const { token } = await DefaultGithubCredentialsProvider.fromIntegrations(
        integrations,
      ).getCredentials({ url });
      return token
        ? { username: 'x-access-token', password: token }
        : undefined;
    }
    case 'gitlab': {
      const token = integrations.gitlab.byUrl(url)?.config.token;
      return token ? { username: 'oauth2', password: token } : undefined;
    }
    case 'gitea': {
      const config = integrations.gitea.byUrl(url)?.config;
      return config?.username && config.password
        ? { username: config.username, password: config.password }
        : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The environment that hands `credentials` to git for `remote` as an HTTP
 * Authorization header (GIT_CONFIG_* entries), so they appear in no
 * argument list, log line or error message. Empty without credentials.
 *
 * @public
 */
export function gitCredentialsEnv(
  remote: string,
  credentials: { username: string; password: string } | undefined,
): Record<string, string> {
  if (!credentials) return {};
  const basic = Buffer.from(
    `${credentials.username}:${credentials.password}`,
  ).toString('base64');
  return gitConfigEnv({
    [`http.${
      new URL(remote).origin
    }/.extraheader`]: `Authorization: Basic ${basic}`,
  });
}
