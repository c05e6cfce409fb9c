import { useEffect, useState } from 'react';
import {
  Content,
  Header,
  InfoCard,
  Page,
  Progress,
  ProxiedSignInPage,
  SignInPage,
} from '@backstage/core-components';
import {
  IdentityApi,
  configApiRef,
  discoveryApiRef,
  githubAuthApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import type { SignInPageProps } from '@backstage/plugin-app-react';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { oidcAuthApiRef } from './oidcAuthApi';

/** The demo users of catalog/org.yaml, one per team (development only). */
export const DEMO_USERS = [
  { name: 'alice', team: 'data-engineering' },
  { name: 'bob', team: 'analytics' },
  { name: 'ada', team: 'platform-team (admin)' },
];
/** The header the backend's development-only `demo` provider reads. */
const DEMO_USER_HEADER = 'x-datastack-demo-user';
const CHOICE_KEY = 'datastack.demoUser';

const PRODUCTION_PROVIDERS = [
  {
    id: 'github',
    title: 'GitHub',
    message: 'Sign in with your GitHub account',
    apiRef: githubAuthApiRef,
  },
  {
    id: 'oidc',
    title: 'Single sign-on',
    message: 'Sign in with your organisation’s OpenID Connect provider',
    apiRef: oidcAuthApiRef,
  },
];

/**
 * The providers the auth backend serves: it answers 404 for a provider it
 * has not loaded (the backend loads GitHub and OIDC only where their
 * client id is configured).
 */
function useServedProviders(ids: string[], environment: string) {
  const discoveryApi = useApi(discoveryApiRef);
  const [served, setServed] = useState<string[] | undefined>();
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const base = await discoveryApi.getBaseUrl('auth');
      const answers = await Promise.all(
        ids.map(async id => {
          try {
            const res = await fetch(
              `${base}/${id}/refresh?optional&env=${encodeURIComponent(
                environment,
              )}`,
              {
                credentials: 'include',
                headers: { 'x-requested-with': 'XMLHttpRequest' },
              },
            );
            return res.status === 404 ? undefined : id;
          } catch {
            return undefined;
          }
        }),
      );
      if (!cancelled) setServed(answers.filter((id): id is string => !!id));
    })();
    return () => {
      cancelled = true;
    };
  }, [discoveryApi, ids, environment]);
  return served;
}

/** Forgets the demo choice on sign-out, so the chooser shows again. */
function forgetOnSignOut(identity: IdentityApi): IdentityApi {
  return {
    getProfileInfo: () => identity.getProfileInfo(),
    getBackstageIdentity: () => identity.getBackstageIdentity(),
    getCredentials: () => identity.getCredentials(),
    signOut: async () => {
      localStorage.removeItem(CHOICE_KEY);
      await identity.signOut();
    },
  };
}

function DevelopmentSignIn(props: SignInPageProps) {
  const [choice, setChoice] = useState<string | null>(() =>
    localStorage.getItem(CHOICE_KEY),
  );
  if (choice) {
    const onSignInSuccess = (identity: IdentityApi) =>
      props.onSignInSuccess(forgetOnSignOut(identity));
    return (
      <ProxiedSignInPage
        {...props}
        onSignInSuccess={onSignInSuccess}
        provider="demo"
        headers={{ [DEMO_USER_HEADER]: choice }}
      />
    );
  }
  const choose = (name: string) => {
    localStorage.setItem(CHOICE_KEY, name);
    setChoice(name);
  };
  return (
    <Page themeId="home">
      <Header title="Datastack" subtitle="Development sign-in" />
      <Content>
        <Grid container spacing={2}>
          <Grid item xs={12}>
            {/* Guest: user:default/guest, in data-engineering. */}
            <SignInPage {...props} providers={['guest']} align="left" />
          </Grid>
          {DEMO_USERS.map(user => (
            <Grid item xs={12} md={4} key={user.name}>
              <InfoCard
                title={`Demo user ${user.name}`}
                actions={
                  <Button
                    color="primary"
                    variant="outlined"
                    onClick={() => choose(user.name)}
                  >
                    Sign in as {user.name}
                  </Button>
                }
              >
                <Typography variant="body1">
                  user:default/{user.name}, member of {user.team}
                </Typography>
              </InfoCard>
            </Grid>
          ))}
        </Grid>
      </Content>
    </Page>
  );
}

function ProductionSignIn(props: SignInPageProps & { environment: string }) {
  const { environment, ...rest } = props;
  const [ids] = useState(() => PRODUCTION_PROVIDERS.map(p => p.id));
  const served = useServedProviders(ids, environment);
  if (!served) return <Progress />;
  const providers = PRODUCTION_PROVIDERS.filter(p => served.includes(p.id));
  if (providers.length === 0) {
    return (
      <Page themeId="home">
        <Header title="Datastack" />
        <Content>
          <Typography variant="body1">
            No sign-in provider is configured. Set the GitHub or OIDC
            environment variables of app-config.production.yaml.
          </Typography>
        </Content>
      </Page>
    );
  }
  return <SignInPage {...rest} providers={providers} />;
}

/**
 * Development: guest (as the e2e tests use) and the demo users of
 * catalog/org.yaml. Elsewhere: GitHub and OIDC, those the backend serves.
 */
export function DatastackSignInPage(props: SignInPageProps) {
  const configApi = useApi(configApiRef);
  const environment =
    configApi.getOptionalString('auth.environment') ?? 'development';
  return environment === 'development' ? (
    <DevelopmentSignIn {...props} />
  ) : (
    <ProductionSignIn {...props} environment={environment} />
  );
}
