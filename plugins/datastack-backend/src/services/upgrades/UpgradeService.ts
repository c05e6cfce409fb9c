import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  ChartVersionsState,
  ANNOTATION_DATASTACK_COMPONENT,
  ANNOTATION_DATASTACK_PIPELINE,
  ChartRelease,
  ClusterUpgradeImpact,
  ComponentDefinition,
  ComponentRegistry,
  ComponentUpgrade,
  DeployedComponent,
  UpgradeCandidate,
  UpgradePlan,
  ValuesDiff,
  findApiFindings,
  nextMinor,
  parseKubeMinor,
} from '@datastack/plugin-datastack-common';
import semver from 'semver';
import { lookupOf } from '../health/EntityHealthService';
import { ChartValuesService } from './ChartValuesService';
import {
  ChartVersionsService,
  ComponentReleases,
  coordinatesOf,
} from './ChartVersionsService';
import {
  CompatibilityContext,
  evaluateCandidate,
  kubeFit,
  newerReleases,
  recommendedCandidate,
} from './compatibility';
import type { Deployment, DeploymentInventory } from './DeploymentInventory';
import { PlanItem, orderPlan } from './plan';

/** A chart version as the registry and the checks compare it, or undefined. */
function versionOf(deployment: Deployment): string | undefined {
  const raw = deployment.chart?.version;
  return raw ? semver.valid(raw) ?? undefined : undefined;
}

/** The oldest valid version among deployments. */
function oldest(deployments: Deployment[]): string | undefined {
  const versions = deployments
    .map(versionOf)
    .filter((v): v is string => v !== undefined)
    .sort(semver.compare);
  return versions[0];
}

/** What the answer shows of a deployment: not the internal value sources. */
function deployedView(
  d: Deployment,
  releases: ChartRelease[],
): DeployedComponent {
  const version = versionOf(d);
  const appVersion = version && releaseFor(releases, version)?.appVersion;
  return {
    instance: d.instance,
    application: d.application,
    ...(d.environment && { environment: d.environment }),
    cluster: d.cluster,
    ...(d.clusterVersion && { clusterVersion: d.clusterVersion }),
    ...(d.chart && { chart: d.chart }),
    ...(appVersion && { appVersion }),
    images: d.images,
    inventory: d.inventory,
    ...(d.lastKnown && { lastKnown: d.lastKnown }),
  };
}

/** A release for a version that the repository no longer lists (for diffs and messages). */
function releaseFor(
  releases: ChartRelease[],
  version: string,
): ChartRelease | undefined {
  return releases.find(r => r.chartVersion === version);
}

/**
 * Upgrade compatibility of data-stack components: for an entity, the
 * deployed versions and every newer chart version checked against each
 * cluster (Kubernetes fit, API removals now and at the next minor, the
 * component's own CRD removals), the pipeline's constraints, the registry's
 * hops and breaking notes, and the values changes to the recommended one;
 * for a pipeline or the fleet, the ordered plan and what a cluster upgrade
 * would break.
 */
export class UpgradeService {
  readonly #registry: ComponentRegistry;
  readonly #inventory: DeploymentInventory;
  readonly #versions: ChartVersionsService;
  readonly #values: ChartValuesService;
  readonly #maxCandidates: number;

  static create(options: {
    registry: ComponentRegistry;
    inventory: DeploymentInventory;
    versions: ChartVersionsService;
    values: ChartValuesService;
    maxCandidates: number;
  }): UpgradeService {
    return new UpgradeService(options);
  }

  private constructor(options: {
    registry: ComponentRegistry;
    inventory: DeploymentInventory;
    versions: ChartVersionsService;
    values: ChartValuesService;
    maxCandidates: number;
  }) {
    this.#registry = options.registry;
    this.#inventory = options.inventory;
    this.#versions = options.versions;
    this.#values = options.values;
    this.#maxCandidates = options.maxCandidates;
  }

  /**
   * Refetches one component's chart repository now and forgets its values
   * diffs (failed ones included); answers what the repository holds after.
   * NotFoundError for a component the registry has no chart for.
   */
  async refreshCharts(componentId: string): Promise<ChartVersionsState> {
    const component = this.#registry.find(componentId);
    if (!component?.chart) {
      throw new NotFoundError(
        `No registry component "${componentId}" with a chart repository`,
      );
    }
    await this.#versions.refresh(componentId);
    this.#values.forget(componentId);
    const state = (await this.#versions.states()).find(
      s => s.componentId === componentId,
    );
    return state!;
  }

  /** The registry component an entity runs: its annotation, else its Applications' label or chart. */
  #componentOf(entity: Entity, deployments: Deployment[]): ComponentDefinition {
    const annotated =
      entity.metadata.annotations?.[ANNOTATION_DATASTACK_COMPONENT];
    const id = annotated ?? deployments.find(d => d.componentId)?.componentId;
    if (!id) {
      throw new NotFoundError(
        `${stringifyEntityRef(
          entity,
        )} runs no registry component: add the ${ANNOTATION_DATASTACK_COMPONENT} annotation, or deploy a registry chart`,
      );
    }
    const component = this.#registry.find(id);
    if (!component) {
      throw new InputError(
        `${ANNOTATION_DATASTACK_COMPONENT} "${id}" of ${stringifyEntityRef(
          entity,
        )} is not a registry component (${this.#registry
          .list()
          .map(c => c.id)
          .join(', ')})`,
      );
    }
    return component;
  }

  /** The context of one component's checks: its deployments, their pipeline peers, its releases. */
  #context(
    component: ComponentDefinition,
    deployments: Deployment[],
    everything: Deployment[],
    releases: ComponentReleases,
  ): CompatibilityContext {
    const pipelines = new Set(
      deployments.map(d => d.pipeline).filter(p => p !== undefined),
    );
    const peers = everything
      .filter(
        d =>
          d.pipeline !== undefined &&
          pipelines.has(d.pipeline) &&
          d.componentId !== undefined &&
          d.componentId !== component.id,
      )
      .map(d => ({
        componentId: d.componentId!,
        environment: d.environment,
        version: versionOf(d),
      }));
    return {
      component,
      registry: this.#registry,
      from: oldest(deployments) ?? component.chart?.version ?? '0.0.0',
      deployments,
      peers,
      releases: releases.releases,
    };
  }

  async forEntity(entity: Entity): Promise<ComponentUpgrade> {
    const lookup = lookupOf(entity);
    const [own, all] = await Promise.all([
      this.#inventory.forLookup(lookup),
      this.#inventory.all(),
    ]);
    const component = this.#componentOf(entity, own.deployments);
    const deployments = own.deployments.filter(
      d => !d.componentId || d.componentId === component.id,
    );
    const releases = await this.#versions.releases(component.id);
    const context = this.#context(
      component,
      deployments,
      all.deployments,
      releases,
    );
    const candidates = newerReleases(
      releases.releases,
      context.from,
      this.#maxCandidates,
    ).map(r => evaluateCandidate(context, r));
    const recommended = recommendedCandidate(candidates);
    let valuesDiff: ValuesDiff | undefined;
    const coordinates = coordinatesOf(component);
    const fromRelease = releaseFor(releases.releases, context.from);
    const toRelease = recommended
      ? releaseFor(releases.releases, recommended.chartVersion)
      : undefined;
    if (coordinates && fromRelease && toRelease) {
      valuesDiff = await this.#values.diff(
        coordinates,
        fromRelease,
        toRelease,
        deployments,
      );
    }
    return {
      entityRef: stringifyEntityRef(entity),
      componentId: component.id,
      ...(entity.metadata.annotations?.[ANNOTATION_DATASTACK_PIPELINE] && {
        pipeline: entity.metadata.annotations[ANNOTATION_DATASTACK_PIPELINE],
      }),
      deployed: [
        ...deployments,
        ...own.lastKnown.filter(
          d => !d.componentId || d.componentId === component.id,
        ),
      ].map(d => deployedView(d, releases.releases)),
      failures: [...own.failures],
      versions: releases.state,
      candidates,
      ...(recommended && { recommended: recommended.chartVersion }),
      ...(candidates[0] && { latest: candidates[0].chartVersion }),
      ...(valuesDiff && { valuesDiff }),
      generatedAt: new Date().toISOString(),
    };
  }

  /** The values changes from the entity's oldest deployed version (or `from`) to `to`. */
  async valuesDiff(
    entity: Entity,
    query: { from?: string; to: string },
  ): Promise<ValuesDiff> {
    const own = await this.#inventory.forLookup(lookupOf(entity));
    const component = this.#componentOf(entity, own.deployments);
    const coordinates = coordinatesOf(component);
    if (!coordinates) {
      throw new InputError(`${component.title} is not deployed from a chart`);
    }
    const deployments = own.deployments.filter(
      d => !d.componentId || d.componentId === component.id,
    );
    const releases = await this.#versions.releases(component.id);
    const fromVersion =
      query.from ?? oldest(deployments) ?? component.chart!.version;
    const from = releaseFor(releases.releases, fromVersion);
    const to = releaseFor(releases.releases, query.to);
    if (!from || !to) {
      throw new NotFoundError(
        `${component.chart!.name} ${from ? query.to : fromVersion} is not in ${
          coordinates.repository
        } (${releases.state.status}, ${
          releases.state.versionCount
        } versions known)`,
      );
    }
    return this.#values.diff(coordinates, from, to, deployments);
  }

  /** The upgrade plan of one pipeline. */
  async planForPipeline(pipeline: string): Promise<UpgradePlan> {
    const all = await this.#inventory.all();
    return this.#plan(
      'pipeline',
      all.deployments.filter(d => d.pipeline === pipeline),
      all.deployments,
      all.failures,
      pipeline,
    );
  }

  /** The upgrade plan of every deployed data-stack component. */
  async planForFleet(): Promise<UpgradePlan> {
    const all = await this.#inventory.all();
    return this.#plan('fleet', all.deployments, all.deployments, all.failures);
  }

  async #plan(
    scope: 'pipeline' | 'fleet',
    deployments: Deployment[],
    everything: Deployment[],
    failures: UpgradePlan['failures'],
    pipeline?: string,
  ): Promise<UpgradePlan> {
    const byComponent = new Map<string, Deployment[]>();
    for (const d of deployments) {
      if (!d.componentId || !this.#registry.find(d.componentId)?.chart)
        continue;
      byComponent.set(d.componentId, [
        ...(byComponent.get(d.componentId) ?? []),
        d,
      ]);
    }
    const releasesOf = new Map<string, ComponentReleases>(
      await Promise.all(
        [...byComponent.keys()].map(
          async id => [id, await this.#versions.releases(id)] as const,
        ),
      ),
    );
    const items: PlanItem[] = [];
    for (const [id, group] of byComponent) {
      const component = this.#registry.get(id);
      const releases = releasesOf.get(id)!;
      for (const deployment of group) {
        const context = this.#context(
          component,
          [deployment],
          everything,
          releases,
        );
        const target = this.#target(context);
        if (!target) continue;
        items.push({
          componentId: id,
          ...(deployment.pipeline && { pipeline: deployment.pipeline }),
          ...(deployment.environment && {
            environment: deployment.environment,
          }),
          instance: deployment.instance,
          application: deployment.application,
          ...(versionOf(deployment) && { from: versionOf(deployment) }),
          target,
        });
      }
    }
    const { steps, cycles } = orderPlan(items, this.#registry);
    return {
      scope,
      ...(pipeline && { pipeline }),
      steps,
      cycles,
      clusters: this.#clusterImpact(deployments, releasesOf),
      failures,
      versions: [...releasesOf.values()].map(r => r.state),
      generatedAt: new Date().toISOString(),
    };
  }

  /**
   * The step's target: the recommended candidate (the newest that nothing
   * blocks and that is no SemVer-major bump), else the newest that nothing
   * blocks (a major, with its warning), else the newest (blocked, with its
   * blockers). Candidates are checked newest first and only until one is
   * recommended, so a fleet plan stays cheap.
   */
  #target(context: CompatibilityContext): UpgradeCandidate | undefined {
    const newer = newerReleases(
      context.releases,
      context.from,
      this.#maxCandidates,
    );
    let newest: UpgradeCandidate | undefined;
    let unblocked: UpgradeCandidate | undefined;
    for (const release of newer) {
      const candidate = evaluateCandidate(context, release);
      newest ??= candidate;
      if (recommendedCandidate([candidate])) return candidate;
      if (candidate.risk !== 'blocking') unblocked ??= candidate;
    }
    return unblocked ?? newest;
  }

  /** Per cluster: what the next Kubernetes minor would break among the deployments on it. */
  #clusterImpact(
    deployments: Deployment[],
    releasesOf: Map<string, ComponentReleases>,
  ): ClusterUpgradeImpact[] {
    const clusters = new Map<string, ClusterUpgradeImpact>();
    for (const d of deployments) {
      const impact = clusters.get(d.cluster) ?? {
        cluster: d.cluster,
        ...(d.clusterVersion && { kubeVersion: d.clusterVersion }),
        ...(d.clusterVersion &&
          parseKubeMinor(d.clusterVersion) && {
            nextMinor: nextMinor(d.clusterVersion),
          }),
        breaks: [],
      };
      clusters.set(d.cluster, impact);
      if (!impact.nextMinor || !d.componentId) continue;
      const findings = findApiFindings(d.inventory, impact.nextMinor).filter(
        f => f.status === 'removed',
      );
      const version = versionOf(d);
      const deployed =
        version && releasesOf.get(d.componentId)
          ? releaseFor(releasesOf.get(d.componentId)!.releases, version)
          : undefined;
      const fit = deployed?.kubeVersion
        ? kubeFit(deployed.kubeVersion, d.cluster, `${impact.nextMinor}.0`)
        : undefined;
      if (findings.length || fit?.fits === 'no') {
        impact.breaks.push({
          componentId: d.componentId,
          ...(d.pipeline && { pipeline: d.pipeline }),
          ...(d.environment && { environment: d.environment }),
          application: d.application,
          findings,
          ...(fit?.fits === 'no' && { kubeFit: fit }),
        });
      }
    }
    return [...clusters.values()].sort((a, b) =>
      a.cluster.localeCompare(b.cluster),
    );
  }
}
