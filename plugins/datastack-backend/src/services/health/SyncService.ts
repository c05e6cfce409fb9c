import type {
  AuditorService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  ANNOTATION_DATASTACK_ENTITY_REF,
  EntityHealth,
  sameEntityRef,
} from '@datastack/plugin-datastack-common';
import type { Application } from '@datastack/plugin-datastack-node';
import type { Request } from 'express';
import { fromArgoCdError } from '../argocdErrors';
import {
  EntityHealthService,
  applicationsByName,
  lookupOf,
} from './EntityHealthService';

/** One sync or refresh asked for from the entity page. */
export interface ApplicationAction {
  instance: string;
  application: string;
  action: 'sync' | 'refresh';
  /** The Application's namespace, where two of the entity's share a name. */
  appNamespace?: string;
}

/**
 * Sync and refresh of an entity's Argo CD Applications. Which Applications
 * an entity has comes from its annotations, which anyone who registers an
 * entity writes; they only ever widen what is read. An Application is acted
 * on only when its own metadata names the entity: its
 * `datastack.io/entity-ref` annotation, which render writes and only the
 * team's GitOps repository can change. The call goes to the Application's
 * own namespace, read fresh from Argo CD, never from a cached answer.
 */
export class SyncService {
  readonly #health: EntityHealthService;
  readonly #auditor: AuditorService;
  readonly #logger: LoggerService;

  static create(options: {
    health: EntityHealthService;
    auditor: AuditorService;
    logger: LoggerService;
  }): SyncService {
    return new SyncService(options);
  }

  private constructor(options: {
    health: EntityHealthService;
    auditor: AuditorService;
    logger: LoggerService;
  }) {
    this.#health = options.health;
    this.#auditor = options.auditor;
    this.#logger = options.logger;
  }

  /**
   * Syncs or refreshes one Application of the entity and answers the
   * entity's fresh health. NotFoundError when the entity's lookup does not
   * find the Application on that instance; NotAllowedError, with nothing
   * sent to Argo CD, when the Application is not labelled as the entity's.
   */
  async act(
    entity: Entity,
    params: ApplicationAction,
    context: { request?: Request } = {},
  ): Promise<EntityHealth> {
    const entityRef = stringifyEntityRef(entity);
    const app = await this.#ownedApplication(entity, entityRef, params);
    const appNamespace = app.metadata.namespace;
    const project = app.spec?.project;
    const client = this.#health.client(params.instance);
    const event = await this.#auditor.createEvent({
      eventId: `application-${params.action}`,
      severityLevel: params.action === 'sync' ? 'medium' : 'low',
      request: context.request,
      meta: {
        entityRef,
        instance: params.instance,
        application: params.application,
        ...(appNamespace ? { appNamespace } : {}),
        ...(project ? { project } : {}),
      },
    });
    try {
      try {
        if (params.action === 'sync') {
          await client.syncApplication(params.application, {
            appNamespace,
            project,
          });
        } else {
          await client.getApplication(params.application, {
            appNamespace,
            project,
            refresh: 'normal',
          });
        }
      } catch (error) {
        throw fromArgoCdError(
          error,
          `${params.action} of Application "${params.application}"`,
        );
      }
      await this.#health.invalidate(entity);
      await event.success();
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
    this.#logger.info(
      `${params.action === 'sync' ? 'Synced' : 'Refreshed'} ${
        params.application
      }`,
      {
        entityRef,
        instance: params.instance,
        application: params.application,
      },
    );
    return this.#health.forEntity(entity);
  }

  /** The Application as Argo CD has it now, after the ownership check. */
  async #ownedApplication(
    entity: Entity,
    entityRef: string,
    params: ApplicationAction,
  ): Promise<Application> {
    const lookup = lookupOf(entity);
    if (
      lookup.instances.length &&
      !lookup.instances.includes(params.instance)
    ) {
      throw new NotFoundError(
        `Argo CD instance "${
          params.instance
        }" is not one of ${entityRef}'s (argocd/instance-name names ${lookup.instances.join(
          ', ',
        )})`,
      );
    }
    const client = this.#health.client(params.instance);
    let apps: Application[];
    try {
      apps = lookup.appName
        ? await applicationsByName(client, lookup)
        : await client.listApplications({
            selector: lookup.selector,
            appNamespace: lookup.appNamespace,
            projects: lookup.project ? [lookup.project] : undefined,
          });
    } catch (error) {
      throw fromArgoCdError(error, `reading the Applications of ${entityRef}`);
    }
    const candidates = apps.filter(
      a =>
        a.metadata?.name === params.application &&
        (params.appNamespace === undefined ||
          a.metadata.namespace === params.appNamespace),
    );
    if (!candidates.length) {
      throw new NotFoundError(
        `Application ${params.application} on Argo CD instance "${params.instance}" is not one of ${entityRef}'s`,
      );
    }
    const owned = candidates.filter(a =>
      sameEntityRef(
        a.metadata.annotations?.[ANNOTATION_DATASTACK_ENTITY_REF],
        entityRef,
      ),
    );
    if (!owned.length) {
      const [app] = candidates;
      const named = app.metadata.annotations?.[ANNOTATION_DATASTACK_ENTITY_REF];
      this.#logger.warn(
        'Refused an action on an Application of another entity',
        {
          entityRef,
          instance: params.instance,
          application: params.application,
          action: params.action,
          ...(named ? { labelledAs: named } : {}),
        },
      );
      throw new NotAllowedError(
        `${
          params.application
        } is not labelled as ${entityRef}'s (its ${ANNOTATION_DATASTACK_ENTITY_REF} annotation ${
          named ? `names ${named}` : 'is missing'
        }); ${entityRef}'s annotations show it, but only its owner may ${
          params.action
        } it`,
      );
    }
    if (owned.length > 1) {
      throw new InputError(
        `query parameter appNamespace: ${entityRef} has Application ${
          params.application
        } in ${owned
          .map(a => a.metadata.namespace ?? '(none)')
          .join(' and ')}; name the namespace`,
      );
    }
    return owned[0];
  }
}
