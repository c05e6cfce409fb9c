import {
  ChartRelease,
  ClusterApiFindings,
  ComponentDefinition,
  ComponentRegistry,
  ConstraintViolation,
  GroupVersionKind,
  KubeFit,
  UpgradeCandidate,
  UpgradeRisk,
  findApiFindings,
  findComponentApiFindings,
  nextMinor,
  parseKubeMinor,
  worstRisk,
} from '@datastack/plugin-datastack-common';
import semver from 'semver';

const LOOSE = { includePrerelease: true } as const;

/** A version Helm and the registry can compare: `1.29` reads as `1.29.0`, `v1.30.1-eks-x` stays a pre-release. */
function normaliseKubeVersion(version: string): string | undefined {
  const trimmed = version.trim().replace(/^v/i, '');
  const short = /^(\d+)\.(\d+)\+?$/.exec(trimmed);
  if (short) return `${short[1]}.${short[2]}.0`;
  return semver.valid(trimmed) ?? undefined;
}

/** True when a SemVer range names a pre-release anywhere (`>=1.25.0-0`). */
function rangeAdmitsPrereleases(range: string): boolean {
  return /\d+\.\d+\.\d+-/.test(range);
}

/**
 * Whether a chart's `kubeVersion` admits a cluster, judged as Helm judges it:
 * Helm compares the cluster's full version, so a managed cluster's
 * `v1.29.3-eks-…` is a SemVer pre-release that only ranges with a
 * pre-release (`>=1.25.0-0`) admit.
 */
export function kubeFit(
  range: string | undefined,
  cluster: string,
  clusterVersion: string | undefined,
): KubeFit {
  if (!clusterVersion) {
    return {
      cluster,
      fits: 'unknown',
      reason: `The Kubernetes version of ${cluster} is unknown: Argo CD reports none for it`,
    };
  }
  const base = { cluster, kubeVersion: clusterVersion };
  if (!range) {
    return {
      ...base,
      fits: 'yes',
      reason: 'The chart declares no kubeVersion',
    };
  }
  if (!semver.validRange(range, LOOSE)) {
    return {
      ...base,
      fits: 'unknown',
      reason: `The chart's kubeVersion "${range}" is not a SemVer range`,
    };
  }
  const version = normaliseKubeVersion(clusterVersion);
  if (!version) {
    return {
      ...base,
      fits: 'unknown',
      reason: `"${clusterVersion}" is not a Kubernetes version Helm can compare`,
    };
  }
  if (rangeAdmitsPrereleases(range)) {
    return semver.satisfies(version, range, LOOSE)
      ? { ...base, fits: 'yes', reason: `${clusterVersion} is in ${range}` }
      : {
          ...base,
          fits: 'no',
          reason: `${clusterVersion} is outside the chart's kubeVersion ${range}`,
        };
  }
  if (semver.satisfies(version, range)) {
    return { ...base, fits: 'yes', reason: `${clusterVersion} is in ${range}` };
  }
  const release = semver.parse(version)!;
  const stripped = `${release.major}.${release.minor}.${release.patch}`;
  if (release.prerelease.length > 0 && semver.satisfies(stripped, range)) {
    return {
      ...base,
      fits: 'no',
      reason: `Helm reads ${clusterVersion} as a SemVer pre-release, and the chart's kubeVersion ${range} has no "-0" suffix: helm refuses the chart although ${stripped} is in range`,
    };
  }
  return {
    ...base,
    fits: 'no',
    reason: `${clusterVersion} is outside the chart's kubeVersion ${range}`,
  };
}

/** A deployment of the component, as the checks read it. */
export interface DeploymentFacts {
  cluster: string;
  clusterVersion?: string;
  environment?: string;
  inventory: GroupVersionKind[];
}

/** Another component of the same pipeline, with its deployed version. */
export interface PeerFacts {
  componentId: string;
  environment?: string;
  version?: string;
}

/** Everything a candidate is checked against. */
export interface CompatibilityContext {
  component: ComponentDefinition;
  registry: ComponentRegistry;
  /** The oldest deployed chart version (or the registry's, when not deployed). */
  from: string;
  deployments: DeploymentFacts[];
  peers: PeerFacts[];
  /** Every known version of the chart, newest first. */
  releases: ChartRelease[];
}

interface Reason {
  risk: UpgradeRisk;
  text: string;
}

/**
 * The versions to pass through from `from` to `to`, from the registry's
 * `upgradeHops`, each the newest release in the hop's `via` range; nested
 * hops are resolved too. `missing` names a hop no known release satisfies.
 */
export function hopsFor(
  component: ComponentDefinition,
  from: string,
  to: string,
  releases: ChartRelease[],
  depth = 0,
): { hops: string[]; reasons: string[]; missing?: string } {
  const hop = (component.upgradeHops ?? []).find(
    h =>
      semver.satisfies(from, h.from, LOOSE) &&
      semver.satisfies(to, h.to, LOOSE),
  );
  if (!hop || depth > 5) return { hops: [], reasons: [] };
  const via = semver.maxSatisfying(
    releases.map(r => r.chartVersion),
    hop.via,
    LOOSE,
  );
  if (!via) {
    return {
      hops: [],
      reasons: [hop.reason],
      missing: `no published version in ${hop.via} to pass through (${hop.reason})`,
    };
  }
  const before = hopsFor(component, from, via, releases, depth + 1);
  return {
    hops: [...before.hops, via],
    reasons: [...before.reasons, hop.reason],
    ...(before.missing && { missing: before.missing }),
  };
}

function satisfies(version: string | undefined, range: string): boolean {
  const valid = version && semver.valid(version);
  return valid ? semver.satisfies(valid, range, LOOSE) : false;
}

/** The constraints of the pipeline that `version` of the component breaks. */
export function constraintViolations(
  context: CompatibilityContext,
  version: string,
): ConstraintViolation[] {
  const { component, registry } = context;
  const violations: ConstraintViolation[] = [];
  const environments = new Set(context.deployments.map(d => d.environment));
  for (const peer of context.peers) {
    if (!environments.has(peer.environment) || !peer.version) continue;
    const peerDefinition = registry.find(peer.componentId);
    const at = peer.environment && { environment: peer.environment };
    for (const rule of component.requires) {
      if (rule.componentId !== peer.componentId) continue;
      if (rule.appliesTo && !satisfies(version, rule.appliesTo)) continue;
      if (!satisfies(peer.version, rule.range)) {
        violations.push({
          kind: 'requires',
          componentId: peer.componentId,
          range: rule.range,
          actualVersion: peer.version,
          ...at,
          reason: rule.reason,
          source: rule.source,
        });
      }
    }
    for (const rule of peerDefinition?.requires ?? []) {
      if (rule.componentId !== component.id) continue;
      if (rule.appliesTo && !satisfies(peer.version, rule.appliesTo)) continue;
      if (!satisfies(version, rule.range)) {
        violations.push({
          kind: 'required-by',
          componentId: peer.componentId,
          range: rule.range,
          actualVersion: peer.version,
          ...at,
          reason: rule.reason,
          source: rule.source,
        });
      }
    }
    for (const rule of component.conflicts) {
      if (rule.componentId !== peer.componentId) continue;
      if (rule.appliesTo && !satisfies(version, rule.appliesTo)) continue;
      if (satisfies(peer.version, rule.range)) {
        violations.push({
          kind: 'conflicts',
          componentId: peer.componentId,
          range: rule.range,
          actualVersion: peer.version,
          ...at,
          reason: rule.reason,
          source: rule.source,
        });
      }
    }
  }
  return violations;
}

/** The clusters of the deployments, each once, with the union of their inventories. */
function clustersOf(deployments: DeploymentFacts[]) {
  const clusters = new Map<
    string,
    {
      cluster: string;
      version?: string;
      inventory: Map<string, GroupVersionKind>;
    }
  >();
  for (const d of deployments) {
    const entry = clusters.get(d.cluster) ?? {
      cluster: d.cluster,
      version: d.clusterVersion,
      inventory: new Map(),
    };
    entry.version ??= d.clusterVersion;
    for (const gvk of d.inventory) {
      entry.inventory.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, gvk);
    }
    clusters.set(d.cluster, entry);
  }
  return [...clusters.values()];
}

/** The API findings of an inventory on a cluster: its version now, the next minor, and the component's CRDs at `version`. */
export function clusterApiFindings(
  componentId: string,
  cluster: { cluster: string; version?: string },
  inventory: GroupVersionKind[],
  componentVersion: string,
): ClusterApiFindings {
  const minor = cluster.version ? parseKubeMinor(cluster.version) : undefined;
  const next = minor ? nextMinor(cluster.version!) : undefined;
  return {
    cluster: cluster.cluster,
    ...(cluster.version && { kubeVersion: cluster.version }),
    current: minor ? findApiFindings(inventory, cluster.version!) : [],
    ...(next && { nextMinor: next }),
    next: next ? findApiFindings(inventory, next) : [],
    component: semver.coerce(componentVersion)
      ? findComponentApiFindings(inventory, componentId, componentVersion)
      : [],
  };
}

/** The version of the component that its CRD table counts in: the app version when it is SemVer. */
function componentVersionOf(release: ChartRelease): string {
  return release.appVersion && semver.coerce(release.appVersion)
    ? release.appVersion
    : release.chartVersion;
}

/** Whether `to` has a higher SemVer major than `from` (0.x → 1.0 included). */
export function isMajorBump(from: string, to: string): boolean {
  if (!semver.valid(from) || !semver.valid(to)) return false;
  return semver.major(to) > semver.major(from);
}

/**
 * Whether `from` → `to` is a breaking change by SemVer: a new major, or a
 * new minor while the major is 0 (SemVer's "anything may change").
 */
function breaksBySemver(from: string, to: string): boolean {
  if (!semver.valid(from) || !semver.valid(to)) return false;
  const jump = semver.diff(from, to);
  return (
    isMajorBump(from, to) || (semver.major(from) === 0 && jump === 'minor')
  );
}

/**
 * The version Datastack recommends among candidates (newest first): the
 * newest that nothing blocks and that is no SemVer-major bump from the
 * deployed version. A major is proposed only when the user picks it.
 */
export function recommendedCandidate(
  candidates: UpgradeCandidate[],
): UpgradeCandidate | undefined {
  return candidates.find(c => c.risk !== 'blocking' && !c.majorBump);
}

/** Checks one candidate release against the clusters, the pipeline and the registry. */
export function evaluateCandidate(
  context: CompatibilityContext,
  release: ChartRelease,
): UpgradeCandidate {
  const { component, from } = context;
  const reasons: Reason[] = [];
  const clusters = clustersOf(context.deployments);

  const fits = clusters.map(c =>
    kubeFit(release.kubeVersion, c.cluster, c.version),
  );
  for (const fit of fits) {
    if (fit.fits === 'no') {
      reasons.push({ risk: 'blocking', text: `${fit.cluster}: ${fit.reason}` });
    } else if (fit.fits === 'unknown' && release.kubeVersion) {
      reasons.push({ risk: 'warn', text: `${fit.cluster}: ${fit.reason}` });
    }
  }

  const apiFindings = clusters.map(c =>
    clusterApiFindings(
      component.id,
      c,
      [...c.inventory.values()],
      componentVersionOf(release),
    ),
  );
  for (const findings of apiFindings) {
    for (const f of findings.component) {
      reasons.push({
        risk: f.status === 'removed' ? 'blocking' : 'warn',
        text: `${findings.cluster}: ${f.message}`,
      });
    }
    for (const f of findings.next.filter(n => n.status === 'removed')) {
      reasons.push({
        risk: 'warn',
        text: `${findings.cluster}: upgrading the cluster to ${findings.nextMinor} would break it: ${f.message}`,
      });
    }
  }

  const violations = constraintViolations(context, release.chartVersion);
  for (const v of violations) {
    const where = v.environment ? ` in ${v.environment}` : '';
    const text = {
      requires: `needs ${v.componentId} ${v.range}, and ${v.actualVersion} runs${where}: ${v.reason}`,
      'required-by': `${v.componentId} ${v.actualVersion}${where} needs ${component.id} ${v.range}: ${v.reason}`,
      conflicts: `conflicts with ${v.componentId} ${v.actualVersion}${where}: ${v.reason}`,
    }[v.kind];
    reasons.push({ risk: 'blocking', text });
  }

  const route = hopsFor(
    component,
    from,
    release.chartVersion,
    context.releases,
  );
  if (route.missing) {
    reasons.push({ risk: 'blocking', text: route.missing });
  } else if (route.hops.length) {
    reasons.push({
      risk: 'warn',
      text: `not in one jump: pass through ${route.hops.join(
        ', ',
      )} first (${route.reasons.join(' ')})`,
    });
  }

  const curated = (component.breakingNotes ?? [])
    .filter(
      n =>
        semver.satisfies(release.chartVersion, n.versions, LOOSE) &&
        !semver.satisfies(from, n.versions, LOOSE),
    )
    .map(n => n.note);
  const breakingNotes = [...curated, ...release.breakingNotes];
  for (const note of breakingNotes) reasons.push({ risk: 'warn', text: note });

  const majorBump = isMajorBump(from, release.chartVersion);
  if (breaksBySemver(from, release.chartVersion)) {
    reasons.push({
      risk: 'warn',
      text: `${from} → ${release.chartVersion} is a breaking change by SemVer: read the chart's release notes`,
    });
  }
  if (release.deprecated) {
    reasons.push({
      risk: 'warn',
      text: `${component.title} ${release.chartVersion} is marked deprecated in its chart repository`,
    });
  }

  return {
    chartVersion: release.chartVersion,
    ...(release.appVersion && { appVersion: release.appVersion }),
    ...(release.kubeVersion && { kubeVersion: release.kubeVersion }),
    deprecated: release.deprecated,
    majorBump,
    ...(release.created && { created: release.created }),
    kubeFit: fits,
    apiFindings,
    constraintViolations: violations,
    breakingNotes,
    hops: route.hops,
    risk: worstRisk(reasons.map(r => r.risk)),
    reasons: reasons.map(r => r.text),
    blockers: reasons.filter(r => r.risk === 'blocking').map(r => r.text),
  };
}

/** The versions newer than `from`, newest first (pre-releases only when `from` is one). */
export function newerReleases(
  releases: ChartRelease[],
  from: string,
  max: number,
): ChartRelease[] {
  const prerelease = semver.prerelease(from) !== null;
  return releases
    .filter(
      r =>
        semver.gt(r.chartVersion, from) &&
        (prerelease || semver.prerelease(r.chartVersion) === null),
    )
    .slice(0, max);
}
