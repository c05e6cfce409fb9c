/**
 * The subset of Argo CD's REST API (grpc-gateway routes of
 * server/application, server/project, server/cluster, server/session and
 * server/version) that the sandbox serves.
 */

import { Identity, SandboxAuth } from './auth';
import {
  ArgoCdApiError,
  GrpcCode,
  applicationNotFound,
  permissionDenied,
} from './errors';
import { SyncRequest } from './lifecycle';
import { ResourceQuery, goJson } from './liveObject';
import { SandboxRbac, rbacName } from './rbac';
import { LabelSelector, SelectorParseError, parseSelector } from './selector';
import { AppRef, SandboxStore } from './store';
import type { Application } from './types';
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
  /** Who is calling (set for routes that need a session). */
  identity?: Identity;
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
  rbac: SandboxRbac;
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
  /**
   * Checks the request decodes into the route's protobuf message; the
   * gRPC server does that before any interceptor, so before the session.
   */
  decode?: (req: ApiRequest) => void;
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

const ADMIN: Identity = { username: 'admin', iss: 'argocd' };

function identityOf(req: ApiRequest): Identity {
  return req.identity ?? ADMIN;
}

/**
 * server/application `getAppEnforceRBAC`: with a project in the request a
 * denied caller learns nothing (403); an existing Application it may not
 * `action` is 404 when a project was named, 403 otherwise.
 */
function readApp(
  req: ApiRequest,
  deps: ApiDeps,
  ref: AppRef,
  action: string,
): Application {
  const identity = identityOf(req);
  const namespace = ref.appNamespace;
  if (
    ref.project &&
    !deps.rbac.enforce(
      identity,
      'applications',
      action,
      rbacName(ref.project, namespace, ref.name),
    )
  ) {
    throw permissionDenied();
  }
  const app = deps.store.getApplication(ref);
  if (
    !deps.rbac.enforce(
      identity,
      'applications',
      action,
      rbacName(app.spec.project, app.metadata.namespace, ref.name),
    )
  ) {
    throw ref.project ? applicationNotFound(ref.name) : permissionDenied();
  }
  return app;
}

/**
 * Whether the caller may `get` the Application: what a list shows and what
 * the watch stream sends (Argo CD skips the others silently).
 */
export function mayGet(
  rbac: SandboxRbac,
  identity: Identity,
  app: Application,
): boolean {
  return rbac.enforce(
    identity,
    'applications',
    'get',
    rbacName(app.spec.project, app.metadata.namespace, app.metadata.name),
  );
}

/**
 * Parses a `selector` query parameter; an invalid one is Argo CD's error
 * (code 2, `<prefix>: …`; the list and the watch word it differently).
 */
export function selectorOf(text: string, prefix: string): LabelSelector {
  try {
    return parseSelector(text);
  } catch (error) {
    if (error instanceof SelectorParseError) {
      throw new ArgoCdApiError(GrpcCode.Unknown, `${prefix}: ${error.message}`);
    }
    throw error;
  }
}

function appRbacName(body: unknown, fallbackName = ''): string {
  const app = isRecord(body) ? body : {};
  const metadata = isRecord(app.metadata) ? app.metadata : {};
  const spec = isRecord(app.spec) ? app.spec : {};
  return rbacName(
    str(spec.project) ?? 'default',
    str(metadata.namespace),
    str(metadata.name) ?? fallbackName,
  );
}

function bodyRecord(req: ApiRequest): Record<string, unknown> {
  const body = req.body();
  return isRecord(body) ? body : {};
}

/**
 * The proto2 `required` fields of ApplicationResourceRequest (name is the
 * path). The gateway passes a request without them on; the API server's
 * gRPC unmarshalling (gogo's generated Unmarshal) refuses it as Internal.
 */
function decodeResourceRequest(req: ApiRequest): void {
  for (const field of ['resourceName', 'version', 'kind']) {
    if (!req.query.has(field)) {
      throw new ArgoCdApiError(
        GrpcCode.Internal,
        `grpc: error unmarshalling request: proto: required field "${field}" not set`,
      );
    }
  }
}

/** The resource an ApplicationResourceRequest names. */
function resourceQueryOf(query: URLSearchParams): ResourceQuery {
  return {
    group: query.get('group') ?? '',
    version: query.get('version') ?? '',
    kind: query.get('kind') ?? '',
    namespace: query.get('namespace') ?? '',
    name: query.get('resourceName') ?? '',
  };
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
      const selector = selectorOf(
        req.query.get('selector') ?? '',
        'error parsing the selector',
      );
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
      const identity = identityOf(req);
      const visible = identity.projectRole
        ? (items ?? []).filter(app => mayGet(deps.rbac, identity, app))
        : items;
      return {
        metadata: { resourceVersion: deps.store.listResourceVersion() },
        items: visible?.length ? visible : null,
      };
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/v1\/applications$/,
    auth: true,
    handler: async (req, deps) => {
      const body = req.body();
      const identity = identityOf(req);
      const object = appRbacName(body);
      deps.rbac.enforceErr(identity, 'applications', 'create', object);
      const metadata =
        isRecord(body) && isRecord(body.metadata) ? body.metadata : {};
      if (
        req.query.get('upsert') === 'true' &&
        deps.store.specOf({
          name: str(metadata.name) ?? '',
          appNamespace: str(metadata.namespace),
        })
      ) {
        deps.rbac.enforceErr(identity, 'applications', 'update', object);
      }
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
      readApp(req, deps, refOf(req, name), 'get');
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
      const ref = {
        ...refOf(req, name),
        appNamespace: req.query.get('appNamespace') || str(metadata.namespace),
      };
      deps.rbac.enforceErr(
        identityOf(req),
        'applications',
        'update',
        appRbacName(body, name),
      );
      readApp(req, deps, ref, 'update');
      await deps.store.git.refresh(body.spec);
      return deps.store.updateApplication(ref, body);
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/v1\/applications\/([^/]+)$/,
    auth: true,
    handler: (req, deps, [name]) => {
      const app = readApp(req, deps, refOf(req, name), 'get');
      deps.rbac.enforceErr(
        identityOf(req),
        'applications',
        'delete',
        rbacName(app.spec.project, app.metadata.namespace, name),
      );
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
      const identity = identityOf(req);
      const app = readApp(req, deps, refOf(req, name, body), 'get');
      deps.rbac.enforceErr(
        identity,
        'applications',
        'sync',
        rbacName(app.spec.project, app.metadata.namespace, name),
      );
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
    handler: (req, deps, [name]) => {
      readApp(req, deps, refOf(req, name), 'get');
      return deps.store.resourceTree(refOf(req, name));
    },
  },
  {
    // server/application GetResource: the live object as a JSON string
    // (Go's json.Marshal of the unstructured object, keys sorted).
    method: 'GET',
    pattern: /^\/api\/v1\/applications\/([^/]+)\/resource$/,
    auth: true,
    decode: decodeResourceRequest,
    handler: (req, deps, [name]) => {
      readApp(req, deps, refOf(req, name), 'get');
      const object = deps.store.liveResource(
        refOf(req, name),
        resourceQueryOf(req.query),
      );
      return { manifest: goJson(object) };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/applications\/([^/]+)\/revisions\/([^/]+)\/metadata$/,
    auth: true,
    handler: (req, deps, [name, revision]) => {
      const app = readApp(req, deps, refOf(req, name), 'get');
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
    handler: (req, deps) => ({
      metadata: { resourceVersion: deps.store.listResourceVersion() },
      items: deps.store
        .listProjects()
        .filter(p =>
          deps.rbac.enforce(
            identityOf(req),
            'projects',
            'get',
            p.metadata.name,
          ),
        ),
    }),
  },
  {
    method: 'POST',
    pattern: /^\/api\/v1\/projects$/,
    auth: true,
    handler: (req, deps) => {
      const body = req.body();
      const project =
        isRecord(body) && isRecord(body.project) ? body.project : {};
      const metadata = isRecord(project.metadata) ? project.metadata : {};
      const name = str(metadata.name) ?? '';
      deps.rbac.enforceErr(identityOf(req), 'projects', 'create', name);
      if (
        isRecord(body) &&
        body.upsert === true &&
        deps.store.hasProject(name)
      ) {
        deps.rbac.enforceErr(identityOf(req), 'projects', 'update', name);
      }
      return deps.store.createProject(body);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/projects\/([^/]+)$/,
    auth: true,
    handler: (req, deps, [name]) => {
      deps.rbac.enforceErr(identityOf(req), 'projects', 'get', name);
      return deps.store.getProject(name);
    },
  },
  {
    method: 'PUT',
    pattern: /^\/api\/v1\/projects\/([^/]+)$/,
    auth: true,
    handler: (req, deps, [name]) => {
      deps.rbac.enforceErr(identityOf(req), 'projects', 'update', name);
      return deps.store.updateProject(name, req.body());
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/v1\/projects\/([^/]+)$/,
    auth: true,
    handler: (req, deps, [name]) => {
      deps.store.deleteProject(name, () =>
        deps.rbac.enforceErr(identityOf(req), 'projects', 'delete', name),
      );
      return {};
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/clusters$/,
    auth: true,
    handler: (req, deps) => ({
      metadata: {},
      items: deps.store
        .listClusters()
        .filter(c =>
          deps.rbac.enforce(identityOf(req), 'clusters', 'get', c.server),
        ),
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
    route.decode?.(req);
    if (route.auth) req.identity = deps.auth.authenticate(req.token);
    const params = match.slice(1).map(p => decodeURIComponent(p));
    return { status: 200, body: await route.handler(req, deps, params) };
  }
  if (pathMatched) {
    throw new ArgoCdApiError(GrpcCode.Unimplemented, 'Method Not Allowed', 405);
  }
  throw new ArgoCdApiError(GrpcCode.NotFound, 'Not Found');
}
