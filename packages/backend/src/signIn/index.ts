/*
 * Sign-in providers, chosen from the configuration at start-up: GitHub and
 * OIDC wherever their client id is configured for auth.environment, guest
 * and the demo users in development only.
 */
import {
  coreServices,
  createBackendFeatureLoader,
} from '@backstage/backend-plugin-api';
import { authModuleDemoProvider } from './demoProvider';

const OAUTH_PROVIDERS = {
  github: () => import('@backstage/plugin-auth-backend-module-github-provider'),
  oidc: () => import('@backstage/plugin-auth-backend-module-oidc-provider'),
};

export const signInProviders = createBackendFeatureLoader({
  deps: { config: coreServices.rootConfig, logger: coreServices.rootLogger },
  *loader({ config, logger }) {
    const environment =
      config.getOptionalString('auth.environment') ?? 'development';
    // Guest refuses sign-in outside development by itself
    // (auth.providers.guest.dangerouslyAllowOutsideDevelopment).
    yield import('@backstage/plugin-auth-backend-module-guest-provider');
    if (environment === 'development') {
      // A static import: under the backend's runtime transform a dynamic
      // import of a local module does not expose its named exports.
      yield authModuleDemoProvider;
    }
    const configured: string[] = [];
    for (const [id, load] of Object.entries(OAUTH_PROVIDERS)) {
      // A provider whose environment variables are unset has no client id:
      // it is left out instead of failing the start of the others.
      if (config.has(`auth.providers.${id}.${environment}.clientId`)) {
        configured.push(id);
        yield load();
      } else {
        logger.info(
          `Sign-in with ${id} is off: no auth.providers.${id}.${environment}.clientId`,
        );
      }
    }
    if (environment !== 'development' && configured.length === 0) {
      logger.warn(
        `No sign-in provider is configured for auth.environment ${environment}: nobody can sign in`,
      );
    }
  },
});
