import type { AuthService } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_DATASTACK_COMPONENT,
  ANNOTATION_DATASTACK_PIPELINE,
} from '@datastack/plugin-datastack-common';
import type { FleetOwners } from './FleetService';

/**
 * The component entities of every pipeline (`datastack.io/component` and
 * `datastack.io/pipeline`) with their owners, read from the catalog with the
 * plugin's own credentials and kept for the health cache's TTL, so the fleet
 * view can name and filter by owner without a catalog call per page.
 */
export function catalogOwners(options: {
  catalog: CatalogService;
  auth: AuthService;
  cacheTtlMs: number;
}): FleetOwners {
  let cached:
    | {
        at: number;
        value: Promise<Map<string, { entityRef: string; owner?: string }>>;
      }
    | undefined;
  const load = async () => {
    const { items } = await options.catalog.getEntities(
      {
        filter: {
          kind: 'component',
          [`metadata.annotations.${ANNOTATION_DATASTACK_COMPONENT}`]:
            CATALOG_FILTER_EXISTS,
          [`metadata.annotations.${ANNOTATION_DATASTACK_PIPELINE}`]:
            CATALOG_FILTER_EXISTS,
        },
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.annotations',
          'spec.owner',
        ],
      },
      { credentials: await options.auth.getOwnServiceCredentials() },
    );
    const owners = new Map<string, { entityRef: string; owner?: string }>();
    for (const entity of items) {
      const annotations = entity.metadata.annotations ?? {};
      const owner = entity.spec?.owner;
      owners.set(
        `${annotations[ANNOTATION_DATASTACK_PIPELINE]}/${annotations[ANNOTATION_DATASTACK_COMPONENT]}`,
        {
          entityRef: stringifyEntityRef(entity),
          ...(typeof owner === 'string' && {
            owner: owner.includes(':') ? owner : `group:default/${owner}`,
          }),
        },
      );
    }
    return owners;
  };
  return () => {
    if (!cached || Date.now() - cached.at > options.cacheTtlMs) {
      const value = load();
      // A failure is not kept: the next page asks the catalog again.
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
      cached = { at: Date.now(), value };
    }
    return cached.value;
  };
}
