/*
 * The Datastack portal backend: Backstage core plugins plus the Datastack suite.
 */
import { createBackend } from '@backstage/backend-defaults';
import { datastackUrlReaderFactory } from '@datastack/plugin-datastack-node';
import { signInProviders } from './signIn';

const backend = createBackend();

// Lets the catalog read pipelines published to local GitOps repositories.
backend.add(datastackUrlReaderFactory);

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// Auth: GitHub and OIDC where configured (app-config.production.yaml); guest
// and the demo users of catalog/org.yaml in development only. Sign-in
// resolves to catalog users; unknown users are refused.
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(signInProviders);

// Catalog
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
backend.add(import('@datastack/plugin-catalog-backend-module-datastack'));

// Scaffolder, with the Datastack GitOps actions and the GitHub, GitLab and Gitea publishers
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-gitlab'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-gitea'));
backend.add(import('@datastack/plugin-scaffolder-backend-module-datastack'));
// Task recovery (scaffolder.taskRecovery): a task whose replica dies resumes
// on another from its last completed step, with its workspace from here.
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-workspace-database'),
);

// Permissions: everyone signed in reads; owners and datastack.tenancy.adminGroups write
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('@datastack/plugin-permission-backend-module-datastack'));

// Search: PostgreSQL engine when the database is PostgreSQL, Lunr otherwise
backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-pg'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
// Datastack: platform components in search, with where they run
backend.add(import('@datastack/plugin-search-backend-module-datastack'));

// Kubernetes
backend.add(import('@backstage/plugin-kubernetes-backend'));

// User settings, and signals (real-time updates to the frontend)
backend.add(import('@backstage/plugin-user-settings-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// Datastack: deployment health and upgrade compatibility
backend.add(import('@datastack/plugin-datastack-backend'));

// A backend that cannot start (a refused configuration, a database it cannot
// reach) exits, so the pod restarts and shows why instead of running without
// its plugins and failing its readiness probe forever.
backend.start().catch(error => {
  // Rethrown, the error reaches the root logger's unhandled-rejection
  // handler, which logs it redacted of every configured secret.
  setTimeout(() => process.exit(1), 500);
  throw error;
});
