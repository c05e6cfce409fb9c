import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import express from 'express';
import { z } from 'zod';
import type { CatalogEntities } from '../services/CatalogEntities';
import type { PermissionDecisions } from '../services/PermissionDecisions';
import type { PreparedAnswer } from '../services/PreparedAnswers';

/** One segment of an entity reference in a path. */
export const entityPart = z
  .string()
  .min(1, 'must not be empty')
  .max(253, 'must be at most 253 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be an entity name part');

export const entityParams = z.object({
  namespace: entityPart,
  kind: entityPart,
  name: entityPart,
});

/** What a parsed value is, for the error message: `query parameter`, `body`, … */
export type InputPlace = 'path parameter' | 'query parameter' | 'body';

/**
 * Parses with zod; a failure is an InputError naming the place and the
 * field once (`query parameter limit: …`, `query parameter colour: is not a
 * known query parameter`, `body: must be an object`).
 */
export function parse<T>(
  schema: z.ZodType<T>,
  value: unknown,
  place: InputPlace,
): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map(k => [...path, k].join('.'));
    throw new InputError(
      `${place} ${keys.join(', ')}: ${
        keys.length > 1 ? 'are not known' : 'is not a known'
      } ${place}${keys.length > 1 ? 's' : ''}`,
    );
  }
  throw new InputError(
    path.length
      ? `${place} ${path.join('.')}: ${issue.message}`
      : `${place}: ${issue.message}`,
  );
}

/**
 * The JSON body parser, and an error handler right after it that turns a
 * body express cannot parse into an InputError saying so (body-parser's
 * own error is a SyntaxError that would reach the browser as such).
 */
export function jsonBody(): [
  express.RequestHandler,
  express.ErrorRequestHandler,
] {
  const notJson: express.ErrorRequestHandler = (error, _req, _res, next) => {
    const type = (error as { type?: unknown } | undefined)?.type;
    if (type === 'entity.parse.failed') {
      next(
        new InputError(
          `body: the request body is not JSON (${(error as Error).message})`,
        ),
      );
      return;
    }
    if (type === 'entity.too.large') {
      next(new InputError('body: the request body is larger than 1 MiB'));
      return;
    }
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      next(new InputError(`body: ${(error as Error).message}`));
      return;
    }
    next(error);
  };
  return [express.json({ limit: '1mb' }), notJson];
}

export interface AuthorizeDeps {
  /** The catalog, read with the plugin's credentials (briefly cached). */
  entities: CatalogEntities;
  httpAuth: HttpAuthService;
  decisions: PermissionDecisions;
}

/** The permission checks every route module shares. */
export function authorizers(deps: AuthorizeDeps) {
  /**
   * The entity of the path, after the permission check on it and the
   * catalog's own read permission for the caller: an entity the catalog
   * would not show the caller is "not found", as the catalog answers it.
   */
  async function authorizedEntity(
    req: express.Request,
    ref: { namespace: string; kind: string; name: string },
    permission: ResourcePermission<'catalog-entity'>,
    verb: string,
  ): Promise<Entity> {
    const credentials = await deps.httpAuth.credentials(req);
    const entityRef = stringifyEntityRef(ref);
    // All at once; the entity is only used once both decisions allow it.
    // The catalog's own answer comes first: an entity hidden from the
    // caller is "not found" whatever the route's permission says, and a
    // failed catalog read is only an error for a caller allowed to see it.
    const [decision, visible, read] = await Promise.all([
      deps.decisions.decide(
        { permission, resourceRef: entityRef },
        credentials,
      ),
      deps.decisions.decide(
        { permission: catalogEntityReadPermission, resourceRef: entityRef },
        credentials,
      ),
      deps.entities
        .get(entityRef, {
          forWrite: permission.attributes.action !== 'read',
        })
        .then(
          found => ({ entity: found }),
          (error: unknown) => ({ error }),
        ),
    ]);
    if (visible !== AuthorizeResult.ALLOW) {
      throw new NotFoundError(`No entity ${entityRef} in the catalog`);
    }
    if (decision !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`Not allowed to ${verb} ${entityRef}`);
    }
    if ('error' in read) throw read.error;
    const entity = read.entity;
    if (!entity) {
      throw new NotFoundError(`No entity ${entityRef} in the catalog`);
    }
    return entity;
  }

  /** Asks the policy for a permission that concerns no one entity. */
  async function authorizeBasic(
    req: express.Request,
    permission: BasicPermission,
    verb: string,
  ): Promise<void> {
    const credentials = await deps.httpAuth.credentials(req);
    const decision = await deps.decisions.decide({ permission }, credentials);
    if (decision !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`Not allowed to ${verb}`);
    }
  }

  return { authorizedEntity, authorizeBasic };
}

export type Authorizers = ReturnType<typeof authorizers>;

/**
 * Every answer depends on who asks (permissions, ownership) and changes
 * with Argo CD: a browser or proxy may keep it only for this user and must
 * revalidate it each time. Express tags every JSON answer with a weak
 * `ETag` and answers a matching `If-None-Match` with 304 and no body, so an
 * unchanged view costs its checks but not its transfer.
 */
export function revalidatedAnswers(): express.RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET') res.set('Cache-Control', 'private, no-cache');
    next();
  };
}

/**
 * The size below which an answer goes out as it is: the compression
 * middleware's own default threshold (`compression`'s `threshold`, 1 kB).
 * Below it a gzip saves a few hundred bytes and costs both ends a zlib
 * stream per response.
 */
const GZIP_THRESHOLD_BYTES = 1024;

/**
 * Sends an answer serialised beforehand, with the ETag of what is sent (a
 * matching `If-None-Match` gets 304 and no body): from 1 kB, as the
 * compression middleware would, its gzip when the caller accepts gzip at
 * all, compressed once per answer rather than per request (the middleware
 * leaves a body already encoded alone); otherwise the JSON as it is, marked
 * `no-transform` so that neither the middleware (which would pick brotli or
 * deflate for a caller without gzip) nor a proxy re-encodes it under a tag
 * that names these bytes.
 */
export function sendPrepared(
  req: express.Request,
  res: express.Response,
  answer: PreparedAnswer,
): void {
  const gzip =
    answer.body.length >= GZIP_THRESHOLD_BYTES &&
    req.acceptsEncodings('gzip') === 'gzip';
  res.set('ETag', gzip ? answer.gzipEtag : answer.etag);
  res.vary('Accept-Encoding');
  res.type('application/json');
  if (!gzip) {
    const cacheControl = res.get('Cache-Control');
    res.set(
      'Cache-Control',
      cacheControl ? `${cacheControl}, no-transform` : 'no-transform',
    );
  }
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  if (gzip) {
    res.set('Content-Encoding', 'gzip');
    res.send(answer.gzip);
    return;
  }
  res.send(answer.body);
}
