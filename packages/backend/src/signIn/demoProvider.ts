/*
 * Development only: sign in as one of the catalog's users without an
 * identity provider, so the portal can be tried (and tested in Chromium) as
 * members of different teams. Loaded only when auth.environment is
 * `development`, and refuses to start in any other.
 */
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  authProvidersExtensionPoint,
  createProxyAuthProviderFactory,
  createProxyAuthenticator,
} from '@backstage/plugin-auth-node';
import { InputError } from '@backstage/errors';

/** The header naming the catalog user to sign in as (`alice`). */
export const DEMO_USER_HEADER = 'x-datastack-demo-user';

const USER_NAME = /^[A-Za-z0-9]([-_.A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;

const demoAuthenticator = createProxyAuthenticator({
  defaultProfileTransform: async (result: { userName: string }) => ({
    profile: { displayName: result.userName },
  }),
  initialize() {},
  async authenticate({ req }) {
    const userName = req.header(DEMO_USER_HEADER);
    if (!userName || !USER_NAME.test(userName)) {
      throw new InputError(
        `Header ${DEMO_USER_HEADER} must name a user of the catalog`,
      );
    }
    return { result: { userName } };
  },
});

export const authModuleDemoProvider = createBackendModule({
  pluginId: 'auth',
  moduleId: 'datastack-demo-provider',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ providers, config }) {
        const environment =
          config.getOptionalString('auth.environment') ?? 'development';
        if (environment !== 'development') {
          throw new Error(
            `The demo sign-in provider is for development only, not auth.environment ${environment}`,
          );
        }
        providers.registerProvider({
          providerId: 'demo',
          factory: createProxyAuthProviderFactory({
            authenticator: demoAuthenticator,
            // Only users of the catalog: an unknown name is refused.
            signInResolver: async ({ result }, ctx) =>
              ctx.signInWithCatalogUser({
                entityRef: {
                  kind: 'User',
                  namespace: 'default',
                  name: result.userName,
                },
              }),
          }),
        });
      },
    });
  },
});
