/**
 * The subset of Argo CD's REST API (grpc-gateway routes of
 * server/application, server/project, server/cluster, server/session and
 * server/version) that the sandbox serves.
 */

import { SandboxAuth } from './auth';
import { ArgoCdApiError, GrpcCode } from './errors';
import { SyncRequest } from './lifecycle';
import { SelectorParseError, parseSelector } from './selector';
import { AppRef, SandboxStore } from './store';
import { iso, isRecord, sha1 } from './util';

/** One request, as the API handlers need it. */
export interface ApiRequest {
  method: string;
  pathname: string;
  query: URLSearchParams;
  /** The bearer token or `argocd.token` cookie, if any. */
  token?: string;
  /** The JSON body, parsed on first use. */
  body(): unknown;
}

/** An answer of the API: HTTP status and JSON body. */
export interface ApiResponse {
  status: number;
  body: unknown;
}

/** What the handlers work on. */
export interface ApiDeps {
  store: SandboxStore;
  auth: SandboxAuth;
  instance: string;
  url: string;
  now: () => number;
}

type Handler = (
  req: ApiRequest,
  deps: ApiDeps,
  params: string[],
) => unknown | Promise<unknown>;

interface Route {
  method: string;
  pattern: RegExp;
  /** Whether the route needs a valid session (all but login, userinfo, version, settings). */
  auth: boolean;
  handler: Handler;
}

const SANDBOX_VERSION = 'v2.14.11+sandbox';

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function projectOf(query: URLSearchParams): string | undefined {
  const projects = [
    ...query.getAll('project'),
    ...query.getAll('projects'),
  ].filter(Boolean);
  if (projects.length > 1) {
    throw new ArgoCdApiError(
      GrpcCode.InvalidArgument,
      'multiple projects specified - the get endpoint accepts either zero or one project',
    );
  }
  return projects[0];
}

function refOf(
  req: ApiRequest,
  name: string,
  body?: Record<string, unknown>,
): AppRef {
  return {
    name,
    appNamespace: req.query.get('appNamespace') || str(body?.appNamespace),
    project: projectOf(req.query) ?? str(body?.project),
  };
}

function bodyRecord(req: ApiRequest): Record<string, unknown> {
  const body = req.body();
  return isRecord(body) ? body : {};
}

const routes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/version$/,
    auth: false,
    handler: (req, deps) => {
      let authenticated = true;
      try {
        deps.auth.authenticate(req.token);
      } catch {
        authenticated = false;
      }
      if (!authenticated) return { Version: SANDBOX_VERSION };
      return {
        Version: SANDBOX_VERSION,
        BuildDate: '2025-06-01T00:00:00Z',
        GitCommit: sha1('argocd-sandbox'),
        GitTag: SANDBOX_VERSION.replace(/\+.*/, ''),
        GitTreeState: 'clean',
        GoVersion: 'go1.24.4',
        Compiler: 'gc',
        Platform: 'linux/amd64',
        KustomizeVersion: 'v5.6.0 2025-01-14T15:12:23Z',
        HelmVersion: 'v3.17.3+ge4da497',
        KubectlVersion: 'v0.32.2',
        JsonnetVersion: 'v0.20.0',
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/settings$/,
    auth: false,
    handler: (_req, deps) => ({
      url: deps.url,
      appLabelKey: 'app.kubernetes.io/instance',
      controllerNamespace: 'argocd',
      statusBadgeEnabled: false,
      userLoginsDisabled: false,
      execEnabled: false,
      trackingMethod: 'annotation',
      installationID: deps.instance,
    }),
  },
  {
    method: 'POST',
    pattern: /^\/api\/v1\/session$/,
    auth: false,
    handler: (req, deps) => {
      const body = bodyRecord(req);
      return { token: deps.auth.login(body.username, body.password) };
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/v1\/session$/,
    auth: true,
    handler: (req, deps) => {
      deps.auth.logout(req.token);
      return {};
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/session\/userinfo$/,
    auth: false,
    handler: (req, deps) => {
      try {
        const identity = deps.auth.authenticate(req.token);
        return {
          loggedIn: true,
          username: identity.username,
          iss: identity.iss,
        };
      } catch {
        return { loggedIn: false };
      }
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/applications$/,
    auth: true,
    handler: (req, deps) => {
      let selector;
      try {
        selector = parseSelector(req.query.get('selector') ?? '');
      } catch (error) {
        if (error instanceof SelectorParseError) {
          throw new ArgoCdApiError(
            GrpcCode.Unknown,
            `error parsing the selector: ${error.message}`,
          );
        }
        throw error;
      }
      const items = deps.store.listApplications({
        selector,
        projects: [
          ...req.query.getAll('projects'),
          ...req.query.getAll('project'),
        ].filter(Boolean),
        appNamespace: req.query.get('appNamespace') || undefined,
        name: req.query.get('name') || undefined,
        repo: req.query.get('repo') || undefined,
      });
      return {
        metadata: { resourceVersion: deps.store.listResourceVersion() },
        items,
      };
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/v1\/applications$/,
    auth: true,
    handler: async (req, deps) => {
      const body = req.body();
      await deps.store.git.refresh(isRecord(body) ? body.spec : undefined);
      return deps.store.createApplication(
        body,
        req.query.get('upsert') === 'true',
      );
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/applications\/([^/]+)$/,
    auth: true,
    handler: async (req, deps, [name]) => {
      const refresh = req.query.get('refresh') ?? undefined;
      if (refresh === 'normal' || refresh === 'hard') {
        await deps.store.git.refresh(deps.store.specOf(refOf(req, name)));
      }
      return deps.store.getApplication(refOf(req, name), refresh);
    },
  },
  {
    method: 'PUT',
    pattern: /^\/api\/v1\/applications\/([^/]+)$/,
    auth: true,
    handler: async (req, deps, [name]) => {
      const body = bodyRecord(req);
      const metadata = isRecord(body.metadata) ? body.metadata : {};
      await deps.store.git.refresh(body.spec);
      return deps.store.updateApplication(
        {
          ...refOf(req, name),
          appNamespace:
            req.query.get('appNamespace') || str(metadata.namespace),
        },
        body,
      );
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/v1\/applications\/([^/]+)$/,
    auth: true,
    handler: (req, deps, [name]) => {
      deps.store.deleteApplication(
        refOf(req, name),
        req.query.get('cascade') !== 'false',
      );
      return {};
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/v1\/applications\/([^/]+)\/sync$/,
    auth: true,
    handler: async (req, deps, [name]) => {
      const body = bodyRecord(req);
      const identity = deps.auth.authenticate(req.token);
      await deps.store.git.refresh(deps.store.specOf(refOf(req, name, body)));
      const request: SyncRequest = {
        revision: str(body.revision),
        revisions: Array.isArray(body.revisions)
          ? body.revisions.map(String)
          : undefined,
        sourcePositions: Array.isArray(body.sourcePositions)
          ? body.sourcePositions.map(Number)
          : undefined,
        prune: body.prune === true,
        dryRun: body.dryRun === true,
        syncOptions: isRecord(body.syncOptions)
          ? {
              items: Array.isArray(body.syncOptions.items)
                ? body.syncOptions.items.map(String)
                : [],
            }
          : undefined,
        strategy: isRecord(body.strategy) ? body.strategy : undefined,
      };
      return deps.store.syncApplication(
        refOf(req, name, body),
        request,
        identity.username,
      );
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/applications\/([^/]+)\/resource-tree$/,
    auth: true,
    handler: (req, deps, [name]) => deps.store.resourceTree(refOf(req, name)),
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/applications\/([^/]+)\/revisions\/([^/]+)\/metadata$/,
    auth: true,
    handler: (req, deps, [name, revision]) => {
      const app = deps.store.getApplication(refOf(req, name));
      const seconds =
        Number.parseInt(sha1(revision).slice(0, 6), 16) % (86_400 * 30);
      return {
        author: 'Datastack <datastack@sandbox.datastack.local>',
        date: iso(deps.now() - seconds * 1000),
        message: `chore(datastack): update ${app.metadata.name} to ${revision}`,
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/projects$/,
    auth: true,
    handler: (_req, deps) => ({
      metadata: { resourceVersion: deps.store.listResourceVersion() },
      items: deps.store.listProjects(),
    }),
  },
  {
    method: 'POST',
    pattern: /^\/api\/v1\/projects$/,
    auth: true,
    handler: (req, deps) => deps.store.createProject(req.body()),
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/projects\/([^/]+)$/,
    auth: true,
    handler: (_req, deps, [name]) => deps.store.getProject(name),
  },
  {
    method: 'PUT',
    pattern: /^\/api\/v1\/projects\/([^/]+)$/,
    auth: true,
    handler: (req, deps, [name]) => deps.store.updateProject(name, req.body()),
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/v1\/projects\/([^/]+)$/,
    auth: true,
    handler: (_req, deps, [name]) => {
      deps.store.deleteProject(name);
      return {};
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/clusters$/,
    auth: true,
    handler: (_req, deps) => ({
      metadata: {},
      items: deps.store.listClusters(),
    }),
  },
];

/**
 * Answers one Argo CD API request.
 *
 * @throws ArgoCdApiError with the status and body Argo CD would answer
 */
export async function handleArgoCd(
  req: ApiRequest,
  deps: ApiDeps,
): Promise<ApiResponse> {
  let pathMatched = false;
  for (const route of routes) {
    const match = route.pattern.exec(req.pathname);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== req.method) continue;
    if (route.auth) deps.auth.authenticate(req.token);
    const params = match.slice(1).map(p => decodeURIComponent(p));
    return { status: 200, body: await route.handler(req, deps, params) };
  }
  if (pathMatched) {
    throw new ArgoCdApiError(GrpcCode.Unimplemented, 'Method Not Allowed', 405);
  }
  throw new ArgoCdApiError(GrpcCode.NotFound, 'Not Found');
}
