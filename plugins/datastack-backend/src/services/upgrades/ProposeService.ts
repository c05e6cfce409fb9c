import type {
  AuditorService,
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  RELATION_PART_OF,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { ConflictError, InputError, NotAllowedError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  ANNOTATION_DATASTACK_COMPONENT,
  ANNOTATION_DATASTACK_GITOPS_REPO,
  ANNOTATION_DATASTACK_PIPELINE,
  UpgradeProposal,
  ValuesDiff,
  datastackUpgradeProposePermission,
} from '@datastack/plugin-datastack-common';
import type {
  ChartBumper,
  GitHostPolicy,
  ValueMove,
} from '@datastack/plugin-datastack-node';
import type { Request } from 'express';
import type { ChartVersionsService } from './ChartVersionsService';

/** What the caller asks for: a version, and optionally some environments. */
export interface ProposalRequest {
  version: string;
  environments?: string[];
}

export interface ProposeServiceOptions {
  catalog: CatalogService;
  permissions: PermissionsService;
  auditor: AuditorService;
  logger: LoggerService;
  chartVersions: Pick<ChartVersionsService, 'releases'>;
  /** Writes the bump into the repository. */
  bumper: Pick<ChartBumper, 'propose'>;
  /** Which git hosts Datastack may write to. */
  hosts: Pick<GitHostPolicy, 'resolve'>;
  /** The values changes from the deployed version to `to`, with the overrides they touch. */
  valuesDiff: (entity: Entity, query: { to: string }) => Promise<ValuesDiff>;
}

/** The environment a values file belongs to (`environments/<env>/…`); undefined when shared. */
function environmentOfFile(file: string): string | undefined {
  return /^environments\/([^/]+)\//.exec(file)?.[1];
}

/**
 * What the proposal does with the overrides a new chart no longer reads:
 * the moves the values diff knows, file by file, for the environments
 * being upgraded; and the keys that must move by hand (removed with no
 * known new place, or in a file shared with an environment that stays).
 */
export function overrideMigration(
  diff: ValuesDiff,
  environments: string[] | undefined,
): { moves: ValueMove[]; byHand: string[] } {
  const moves: ValueMove[] = [];
  const byHand: string[] = [];
  const chosen = (file: string) => {
    const env = environmentOfFile(file);
    return !environments || (env !== undefined && environments.includes(env));
  };
  const shared = (file: string) =>
    environments !== undefined && environmentOfFile(file) === undefined;
  for (const change of diff.changes) {
    if (change.change !== 'removed') continue;
    for (const file of change.overriddenIn) {
      if (shared(file)) {
        byHand.push(
          `${change.key} in ${file}, which the environments that stay on the old chart read too`,
        );
      } else if (!chosen(file)) {
        continue;
      } else if (change.movedTo) {
        moves.push({ file, from: change.key, to: change.movedTo });
      } else {
        byHand.push(
          `${change.key} in ${file}, which chart version ${diff.to} no longer has`,
        );
      }
    }
  }
  return { moves, byHand };
}

/**
 * Proposes an upgrade of a Component's chart as a branch (and a pull or
 * merge request where the host has one) of its pipeline's GitOps
 * repository. The repository is only ever the one recorded on the
 * Component's own System (its `spec.system`, not its annotations alone),
 * whose pipeline must be the Component's, and the caller must be allowed to
 * propose on both; the repository then passes the git host policy before
 * any git call.
 */
export class ProposeService {
  readonly #options: ProposeServiceOptions;

  static create(options: ProposeServiceOptions): ProposeService {
    return new ProposeService(options);
  }

  private constructor(options: ProposeServiceOptions) {
    this.#options = options;
  }

  /**
   * The Component must already be authorised for `datastack.upgrade.propose`
   * by the caller; this checks its System.
   */
  async propose(
    component: Entity,
    body: ProposalRequest,
    context: { credentials: BackstageCredentials; request?: Request },
  ): Promise<UpgradeProposal> {
    const { catalog, chartVersions, auditor, bumper, hosts } = this.#options;
    const entityRef = stringifyEntityRef(component);
    const annotations = component.metadata.annotations ?? {};
    const componentId = annotations[ANNOTATION_DATASTACK_COMPONENT];
    const pipeline = annotations[ANNOTATION_DATASTACK_PIPELINE];
    if (!componentId || !pipeline) {
      throw new InputError(
        `${entityRef} needs the ${ANNOTATION_DATASTACK_COMPONENT} and ${ANNOTATION_DATASTACK_PIPELINE} annotations for an upgrade to be proposed`,
      );
    }

    const systemRef = this.#systemRefOf(component, entityRef);
    const [system, [decision]] = await Promise.all([
      catalog.getEntityByRef(systemRef, { credentials: context.credentials }),
      this.#options.permissions.authorize(
        [
          {
            permission: datastackUpgradeProposePermission,
            resourceRef: systemRef,
          },
        ],
        { credentials: context.credentials },
      ),
    ]);
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Not allowed to propose upgrades of ${systemRef}, the System of ${entityRef}`,
      );
    }
    if (!system) {
      throw new InputError(
        `${entityRef}'s spec.system names ${systemRef}, which is not in the catalog`,
      );
    }
    const systemAnnotations = system.metadata.annotations ?? {};
    const systemPipeline = systemAnnotations[ANNOTATION_DATASTACK_PIPELINE];
    if (systemPipeline !== pipeline) {
      throw new NotAllowedError(
        `${entityRef} says it belongs to pipeline "${pipeline}" (${ANNOTATION_DATASTACK_PIPELINE}), but its System ${systemRef} is ${
          systemPipeline
            ? `pipeline "${systemPipeline}"`
            : 'not a Datastack pipeline'
        }; an upgrade is only proposed to the repository of the Component's own pipeline`,
      );
    }
    const repository = systemAnnotations[ANNOTATION_DATASTACK_GITOPS_REPO];
    if (!repository) {
      throw new InputError(
        `${systemRef} has no ${ANNOTATION_DATASTACK_GITOPS_REPO} annotation: the GitOps repository of pipeline "${pipeline}" is unknown`,
      );
    }
    // Before any git call: only hosts with an integration, or the local default.
    const target = hosts.resolve(
      repository,
      `${systemRef} annotation ${ANNOTATION_DATASTACK_GITOPS_REPO}`,
      { allowName: true },
    );

    const releases = await chartVersions.releases(componentId);
    if (
      releases.state.status !== 'unknown' &&
      !releases.releases.some(r => r.chartVersion === body.version)
    ) {
      throw new InputError(
        `body version: ${body.version} is not a published version of ${releases.state.chart} (latest ${releases.state.latest})`,
      );
    }

    // The overrides the new chart no longer reads move with the upgrade, or
    // the proposal stops here, before any git call, saying which.
    // A diff that cannot be had (the repository never fetched, Argo CD
    // down) does not stop the proposal: its description says so.
    let migration: { moves: ValueMove[]; byHand: string[] } = {
      moves: [],
      byHand: [],
    };
    let diffError: string | undefined;
    try {
      const diff = await this.#options.valuesDiff(component, {
        to: body.version,
      });
      if (diff.status === 'ok') {
        migration = overrideMigration(diff, body.environments);
      } else diffError = diff.error;
    } catch (error) {
      diffError = error instanceof Error ? error.message : String(error);
    }
    if (migration.byHand.length) {
      throw new ConflictError(
        `Upgrading ${componentId} to ${
          body.version
        } would silently drop overrides: ${migration.byHand.join(
          '; ',
        )}. Move or remove them by hand first; nothing was pushed.`,
      );
    }

    const event = await auditor.createEvent({
      eventId: 'upgrade-propose',
      severityLevel: 'medium',
      request: context.request,
      meta: {
        entityRef,
        systemRef,
        pipeline,
        componentId,
        version: body.version,
        repository: target.url,
      },
    });
    try {
      const proposal = await bumper.propose({
        repository: target.url,
        pipeline,
        componentId,
        version: body.version,
        environments: body.environments,
        title: `Upgrade ${componentId} of ${pipeline} to ${body.version}`,
        ...(migration.moves.length && { valueMoves: migration.moves }),
        ...(diffError !== undefined && {
          description: `Proposed from the Backstage entity ${entityRef} by Datastack. The values changes of ${body.version} could not be read (${diffError}): check the overrides by hand before merging.`,
        }),
      });
      await event.success({ meta: { branch: proposal.branch } });
      this.#options.logger.info(
        `Proposed ${componentId} ${body.version} for ${pipeline}`,
        { entityRef, systemRef, branch: proposal.branch },
      );
      return proposal;
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  }

  /**
   * The System of a Component: its `partOf` relation to a System where the
   * catalog has processed one, else `spec.system`. Exactly one.
   */
  #systemRefOf(component: Entity, entityRef: string): string {
    const namespace = component.metadata.namespace ?? 'default';
    const related = (component.relations ?? [])
      .filter(r => r.type === RELATION_PART_OF)
      .map(r => r.targetRef)
      .filter(ref => ref.toLocaleLowerCase('en-US').startsWith('system:'));
    if (related.length > 1) {
      throw new InputError(
        `${entityRef} is part of ${related.join(
          ' and ',
        )}; an upgrade needs exactly one System`,
      );
    }
    if (related.length === 1) return related[0];
    const system = component.spec?.system;
    if (typeof system !== 'string' || !system.trim()) {
      throw new InputError(
        `${entityRef} has no spec.system: the System that records its pipeline's GitOps repository is unknown`,
      );
    }
    let ref;
    try {
      ref = parseEntityRef(system, {
        defaultKind: 'system',
        defaultNamespace: namespace,
      });
    } catch (error) {
      throw new InputError(
        `${entityRef} spec.system "${system}" is not an entity reference`,
      );
    }
    if (ref.kind.toLocaleLowerCase('en-US') !== 'system') {
      throw new InputError(
        `${entityRef} spec.system "${system}" does not name a System`,
      );
    }
    return stringifyEntityRef(ref);
  }
}
