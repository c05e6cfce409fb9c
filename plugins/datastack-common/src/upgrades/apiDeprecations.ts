import semver from 'semver';
import type { GroupVersionKind } from '../registry/schema';

/**
 * The release line that the versions of an {@link ApiDeprecation} count in:
 * Kubernetes minors (`'1.22'`) or the full SemVer versions of the component
 * that ships the CRD (`'0.49.0'` of Strimzi).
 *
 * @public
 */
export type ApiDeprecationVersionOf = 'kubernetes' | 'component';

/**
 * A Kubernetes API group and version, as in an `apiVersion` (`''` is the core group).
 *
 * @public
 */
export interface ApiGroupVersion {
  group: string;
  version: string;
}

/**
 * One kind in one API version that is deprecated or removed: a row of the
 * knowledge base that upgrade checks read.
 *
 * @public
 */
export interface ApiDeprecation {
  /** The API group; `''` for the core group. */
  group: string;
  /** The deprecated version of the group, for example `v1beta1`. */
  version: string;
  kind: string;
  /** The release from which the version is deprecated. */
  deprecatedIn: string;
  /** The first release that no longer serves the version; absent while it is only deprecated. */
  removedIn?: string;
  /** The group and version to migrate the kind to; absent where there is none. */
  replacement?: ApiGroupVersion;
  /** The first release that serves the replacement. */
  replacementAvailableIn?: string;
  /** `'kubernetes'` for built-in APIs, otherwise the registry id of the component that owns the CRD. */
  scope: string;
  /**
   * What `deprecatedIn`, `removedIn` and `replacementAvailableIn` count in.
   * Defaults to `'kubernetes'` (minor versions such as `'1.22'`); `'component'`
   * means full SemVer versions of the component named by `scope`.
   */
  versionOf?: ApiDeprecationVersionOf;
  /** The product name used in messages (`'Strimzi'`); defaults to Kubernetes or the scope. */
  product?: string;
  /** Where the facts of the row come from. */
  source: string;
  notes?: string;
}

/**
 * Whether a finding's API version is already gone or still served with a warning.
 *
 * @public
 */
export type ApiFindingStatus = 'removed' | 'deprecated';

/**
 * One inventory item that a target version deprecates or no longer serves.
 *
 * @public
 */
export interface ApiFinding extends GroupVersionKind {
  status: ApiFindingStatus;
  deprecatedIn: string;
  removedIn?: string;
  /**
   * The API version to migrate to at the target. Where the table's direct
   * replacement is itself removed (or deprecated with its own successor
   * served) at the target, this follows the chain to its successor.
   */
  replacement?: ApiGroupVersion;
  /** The first release that serves {@link ApiFinding.replacement}. */
  replacementAvailableIn?: string;
  /** Whether the target version serves the replacement. */
  replacementAvailable: boolean;
  source: string;
  notes?: string;
  /** One human sentence that says what happened and what to do. */
  message: string;
}

/**
 * The `scope` of rows about built-in Kubernetes APIs.
 *
 * @public
 */
export const KUBERNETES_SCOPE = 'kubernetes';

const DEPRECATION_GUIDE =
  'kubernetes deprecation guide (https://kubernetes.io/docs/reference/using-api/deprecation-guide/)';
const LIFECYCLE_TAGS =
  'k8s.io/api prerelease-lifecycle tags (zz_generated.prerelease-lifecycle.go)';
/** Removal and replacement from the guide; the guide gives no deprecation release. */
const GUIDE_SOURCE = `${DEPRECATION_GUIDE}; deprecatedIn from ${LIFECYCLE_TAGS}`;
/** For the few removals that the guide does not list. */
const LIFECYCLE_SOURCE = `${LIFECYCLE_TAGS}; not listed in the kubernetes deprecation guide`;

type SharedFields = Omit<ApiDeprecation, 'kind'>;

/** One row per kind of a group version that shares its lifecycle. */
function forKinds(
  kinds: readonly string[],
  shared: SharedFields,
): ApiDeprecation[] {
  return kinds.map(kind => ({ ...shared, kind }));
}

/** Shared fields of a built-in API row. */
function builtIn(
  group: string,
  version: string,
  lifecycle: Pick<
    ApiDeprecation,
    | 'deprecatedIn'
    | 'removedIn'
    | 'replacement'
    | 'replacementAvailableIn'
    | 'notes'
  >,
  source: string = GUIDE_SOURCE,
): SharedFields {
  return { group, version, ...lifecycle, scope: KUBERNETES_SCOPE, source };
}

const APPS_V1: ApiGroupVersion = { group: 'apps', version: 'v1' };

/**
 * Every built-in Kubernetes API version removed from 1.16 through 1.32, the
 * last release with removals in the Deprecated API Migration Guide, one row
 * per group, version and kind.
 *
 * `removedIn`, `replacement` and `replacementAvailableIn` follow the guide.
 * The guide does not say when each version was deprecated; `deprecatedIn`
 * comes from the `+k8s:prerelease-lifecycle-gen:deprecated` tags that
 * Kubernetes keeps for each type in k8s.io/api.
 *
 * @public
 */
export const kubernetesApiDeprecations: ApiDeprecation[] = [
  // Kubernetes 1.16
  ...forKinds(
    ['Deployment', 'DaemonSet', 'ReplicaSet'],
    builtIn('extensions', 'v1beta1', {
      deprecatedIn: '1.8',
      removedIn: '1.16',
      replacement: APPS_V1,
      replacementAvailableIn: '1.9',
    }),
  ),
  ...forKinds(
    ['NetworkPolicy'],
    builtIn('extensions', 'v1beta1', {
      deprecatedIn: '1.9',
      removedIn: '1.16',
      replacement: { group: 'networking.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.8',
    }),
  ),
  ...forKinds(
    ['PodSecurityPolicy'],
    builtIn(
      'extensions',
      'v1beta1',
      {
        deprecatedIn: '1.11',
        removedIn: '1.16',
        replacement: { group: 'policy', version: 'v1beta1' },
        replacementAvailableIn: '1.10',
        notes:
          'policy/v1beta1 PodSecurityPolicy was itself removed in 1.25 without a replacement API.',
      },
      LIFECYCLE_SOURCE,
    ),
  ),
  ...forKinds(
    ['Deployment', 'StatefulSet'],
    builtIn('apps', 'v1beta1', {
      deprecatedIn: '1.8',
      removedIn: '1.16',
      replacement: APPS_V1,
      replacementAvailableIn: '1.9',
    }),
  ),
  ...forKinds(
    ['ReplicaSet'],
    builtIn('apps', 'v1beta1', {
      deprecatedIn: '1.8',
      removedIn: '1.16',
      replacement: APPS_V1,
      replacementAvailableIn: '1.9',
      notes:
        'Listed by the deprecation guide; k8s.io/api has no apps/v1beta1 ReplicaSet type, so the deprecation release is that of the group version.',
    }),
  ),
  ...forKinds(
    ['ControllerRevision'],
    builtIn(
      'apps',
      'v1beta1',
      {
        deprecatedIn: '1.8',
        removedIn: '1.16',
        replacement: APPS_V1,
        replacementAvailableIn: '1.9',
      },
      LIFECYCLE_SOURCE,
    ),
  ),
  ...forKinds(
    ['Deployment', 'DaemonSet', 'ReplicaSet', 'StatefulSet'],
    builtIn('apps', 'v1beta2', {
      deprecatedIn: '1.9',
      removedIn: '1.16',
      replacement: APPS_V1,
      replacementAvailableIn: '1.9',
    }),
  ),
  ...forKinds(
    ['ControllerRevision'],
    builtIn(
      'apps',
      'v1beta2',
      {
        deprecatedIn: '1.9',
        removedIn: '1.16',
        replacement: APPS_V1,
        replacementAvailableIn: '1.9',
      },
      LIFECYCLE_SOURCE,
    ),
  ),

  // Kubernetes 1.22
  ...forKinds(
    ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
    builtIn('admissionregistration.k8s.io', 'v1beta1', {
      deprecatedIn: '1.16',
      removedIn: '1.22',
      replacement: { group: 'admissionregistration.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.16',
    }),
  ),
  ...forKinds(
    ['CustomResourceDefinition'],
    builtIn('apiextensions.k8s.io', 'v1beta1', {
      deprecatedIn: '1.16',
      removedIn: '1.22',
      replacement: { group: 'apiextensions.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.16',
    }),
  ),
  ...forKinds(
    ['APIService'],
    builtIn('apiregistration.k8s.io', 'v1beta1', {
      deprecatedIn: '1.19',
      removedIn: '1.22',
      replacement: { group: 'apiregistration.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.10',
    }),
  ),
  ...forKinds(
    ['TokenReview'],
    builtIn('authentication.k8s.io', 'v1beta1', {
      deprecatedIn: '1.19',
      removedIn: '1.22',
      replacement: { group: 'authentication.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.6',
    }),
  ),
  ...forKinds(
    [
      'LocalSubjectAccessReview',
      'SelfSubjectAccessReview',
      'SubjectAccessReview',
      'SelfSubjectRulesReview',
    ],
    builtIn('authorization.k8s.io', 'v1beta1', {
      deprecatedIn: '1.19',
      removedIn: '1.22',
      replacement: { group: 'authorization.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.6',
    }),
  ),
  ...forKinds(
    ['CertificateSigningRequest'],
    builtIn('certificates.k8s.io', 'v1beta1', {
      deprecatedIn: '1.19',
      removedIn: '1.22',
      replacement: { group: 'certificates.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.19',
    }),
  ),
  ...forKinds(
    ['Lease'],
    builtIn('coordination.k8s.io', 'v1beta1', {
      deprecatedIn: '1.19',
      removedIn: '1.22',
      replacement: { group: 'coordination.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.14',
    }),
  ),
  ...forKinds(
    ['Ingress'],
    builtIn('extensions', 'v1beta1', {
      deprecatedIn: '1.14',
      removedIn: '1.22',
      replacement: { group: 'networking.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.19',
    }),
  ),
  ...forKinds(
    ['Ingress', 'IngressClass'],
    builtIn('networking.k8s.io', 'v1beta1', {
      deprecatedIn: '1.19',
      removedIn: '1.22',
      replacement: { group: 'networking.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.19',
    }),
  ),
  ...forKinds(
    ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
    builtIn('rbac.authorization.k8s.io', 'v1beta1', {
      deprecatedIn: '1.17',
      removedIn: '1.22',
      replacement: { group: 'rbac.authorization.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.8',
    }),
  ),
  ...forKinds(
    ['PriorityClass'],
    builtIn('scheduling.k8s.io', 'v1beta1', {
      deprecatedIn: '1.14',
      removedIn: '1.22',
      replacement: { group: 'scheduling.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.14',
    }),
  ),
  ...forKinds(
    ['CSIDriver'],
    builtIn('storage.k8s.io', 'v1beta1', {
      deprecatedIn: '1.19',
      removedIn: '1.22',
      replacement: { group: 'storage.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.19',
    }),
  ),
  ...forKinds(
    ['CSINode'],
    builtIn('storage.k8s.io', 'v1beta1', {
      deprecatedIn: '1.17',
      removedIn: '1.22',
      replacement: { group: 'storage.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.17',
    }),
  ),
  ...forKinds(
    ['StorageClass'],
    builtIn('storage.k8s.io', 'v1beta1', {
      deprecatedIn: '1.19',
      removedIn: '1.22',
      replacement: { group: 'storage.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.6',
    }),
  ),
  ...forKinds(
    ['VolumeAttachment'],
    builtIn('storage.k8s.io', 'v1beta1', {
      deprecatedIn: '1.19',
      removedIn: '1.22',
      replacement: { group: 'storage.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.13',
    }),
  ),

  // Kubernetes 1.25
  ...forKinds(
    ['CronJob'],
    builtIn('batch', 'v1beta1', {
      deprecatedIn: '1.21',
      removedIn: '1.25',
      replacement: { group: 'batch', version: 'v1' },
      replacementAvailableIn: '1.21',
    }),
  ),
  ...forKinds(
    ['EndpointSlice'],
    builtIn('discovery.k8s.io', 'v1beta1', {
      deprecatedIn: '1.21',
      removedIn: '1.25',
      replacement: { group: 'discovery.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.21',
    }),
  ),
  ...forKinds(
    ['Event'],
    builtIn('events.k8s.io', 'v1beta1', {
      deprecatedIn: '1.22',
      removedIn: '1.25',
      replacement: { group: 'events.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.19',
    }),
  ),
  ...forKinds(
    ['HorizontalPodAutoscaler'],
    builtIn('autoscaling', 'v2beta1', {
      deprecatedIn: '1.22',
      removedIn: '1.25',
      replacement: { group: 'autoscaling', version: 'v2' },
      replacementAvailableIn: '1.23',
    }),
  ),
  ...forKinds(
    ['PodDisruptionBudget'],
    builtIn('policy', 'v1beta1', {
      deprecatedIn: '1.21',
      removedIn: '1.25',
      replacement: { group: 'policy', version: 'v1' },
      replacementAvailableIn: '1.21',
    }),
  ),
  ...forKinds(
    ['PodSecurityPolicy'],
    builtIn('policy', 'v1beta1', {
      deprecatedIn: '1.21',
      removedIn: '1.25',
      notes:
        'No replacement API: migrate to Pod Security Admission or a third-party admission webhook.',
    }),
  ),
  ...forKinds(
    ['RuntimeClass'],
    builtIn('node.k8s.io', 'v1beta1', {
      deprecatedIn: '1.22',
      removedIn: '1.25',
      replacement: { group: 'node.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.20',
    }),
  ),

  // Kubernetes 1.26
  ...forKinds(
    ['FlowSchema', 'PriorityLevelConfiguration'],
    builtIn('flowcontrol.apiserver.k8s.io', 'v1beta1', {
      deprecatedIn: '1.23',
      removedIn: '1.26',
      replacement: {
        group: 'flowcontrol.apiserver.k8s.io',
        version: 'v1beta2',
      },
      replacementAvailableIn: '1.23',
    }),
  ),
  ...forKinds(
    ['HorizontalPodAutoscaler'],
    builtIn('autoscaling', 'v2beta2', {
      deprecatedIn: '1.23',
      removedIn: '1.26',
      replacement: { group: 'autoscaling', version: 'v2' },
      replacementAvailableIn: '1.23',
    }),
  ),

  // Kubernetes 1.27
  ...forKinds(
    ['CSIStorageCapacity'],
    builtIn('storage.k8s.io', 'v1beta1', {
      deprecatedIn: '1.24',
      removedIn: '1.27',
      replacement: { group: 'storage.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.24',
    }),
  ),

  // Kubernetes 1.29
  ...forKinds(
    ['FlowSchema', 'PriorityLevelConfiguration'],
    builtIn('flowcontrol.apiserver.k8s.io', 'v1beta2', {
      deprecatedIn: '1.26',
      removedIn: '1.29',
      replacement: { group: 'flowcontrol.apiserver.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.29',
    }),
  ),

  // Kubernetes 1.32
  ...forKinds(
    ['FlowSchema', 'PriorityLevelConfiguration'],
    builtIn('flowcontrol.apiserver.k8s.io', 'v1beta3', {
      deprecatedIn: '1.29',
      removedIn: '1.32',
      replacement: { group: 'flowcontrol.apiserver.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.29',
    }),
  ),
];

const STRIMZI_V1: ApiGroupVersion = {
  group: 'kafka.strimzi.io',
  version: 'v1',
};
const STRIMZI_V1BETA2: ApiGroupVersion = {
  group: 'kafka.strimzi.io',
  version: 'v1beta2',
};

/** Shared fields of a Strimzi (`kafka` component) row. */
function strimzi(
  version: string,
  lifecycle: Pick<
    ApiDeprecation,
    | 'deprecatedIn'
    | 'removedIn'
    | 'replacement'
    | 'replacementAvailableIn'
    | 'notes'
  >,
  source: string,
): SharedFields {
  return {
    group: 'kafka.strimzi.io',
    version,
    ...lifecycle,
    scope: 'kafka',
    versionOf: 'component',
    product: 'Strimzi',
    source,
  };
}

const STRIMZI_V1_SOURCE =
  'strimzi/strimzi-kafka-operator CHANGELOG.md 0.49.0 (v1 API introduced); strimzi/proposals 113-Strimzi-v1-CRD-API-and-1.0.0-release.md (older versions deprecated in 0.49, removed in 1.0.0)';
const STRIMZI_V1BETA2_SOURCE =
  'strimzi/strimzi-kafka-operator CHANGELOG.md 0.22.0 (v1beta2 added) and 0.23.0 (v1alpha1 and v1beta1 removed apart from KafkaTopic and KafkaUser); strimzi.io blog 2021-04-29 "Path to CRD v1" (deprecated in 0.22)';

/**
 * CRD versions that data-stack components removed, with versions counted in
 * the component's own SemVer releases (`versionOf: 'component'`).
 *
 * @public
 */
export const componentApiDeprecations: ApiDeprecation[] = [
  // Strimzi: v1beta2 -> v1
  ...forKinds(
    [
      'Kafka',
      'KafkaNodePool',
      'KafkaTopic',
      'KafkaUser',
      'KafkaConnect',
      'KafkaConnector',
      'KafkaMirrorMaker2',
      'KafkaBridge',
      'KafkaRebalance',
    ],
    strimzi(
      'v1beta2',
      {
        deprecatedIn: '0.49.0',
        removedIn: '1.0.0',
        replacement: STRIMZI_V1,
        replacementAvailableIn: '0.49.0',
        notes:
          'Convert resources with the Strimzi v1 API conversion tool before upgrading to 1.0.0.',
      },
      STRIMZI_V1_SOURCE,
    ),
  ),
  // Strimzi: KafkaTopic and KafkaUser kept their old versions until the v1 migration.
  ...['v1alpha1', 'v1beta1'].flatMap(version =>
    forKinds(
      ['KafkaTopic', 'KafkaUser'],
      strimzi(
        version,
        {
          deprecatedIn: '0.22.0',
          removedIn: '1.0.0',
          replacement: STRIMZI_V1BETA2,
          replacementAvailableIn: '0.22.0',
          notes:
            'Kept served after 0.23 only for KafkaTopic and KafkaUser; flagged deprecated in the CRDs from 0.49.0.',
        },
        `${STRIMZI_V1BETA2_SOURCE}; ${STRIMZI_V1_SOURCE}`,
      ),
    ),
  ),
  // Strimzi: v1alpha1 and v1beta1 -> v1beta2 for every other resource.
  ...forKinds(
    [
      'Kafka',
      'KafkaConnect',
      'KafkaConnector',
      'KafkaMirrorMaker2',
      'KafkaBridge',
      'KafkaRebalance',
    ],
    strimzi(
      'v1alpha1',
      {
        deprecatedIn: '0.22.0',
        removedIn: '0.23.0',
        replacement: STRIMZI_V1BETA2,
        replacementAvailableIn: '0.22.0',
      },
      STRIMZI_V1BETA2_SOURCE,
    ),
  ),
  ...forKinds(
    ['Kafka', 'KafkaConnect'],
    strimzi(
      'v1beta1',
      {
        deprecatedIn: '0.22.0',
        removedIn: '0.23.0',
        replacement: STRIMZI_V1BETA2,
        replacementAvailableIn: '0.22.0',
      },
      STRIMZI_V1BETA2_SOURCE,
    ),
  ),

  // Flink Kubernetes Operator: the preview v1alpha1 API ended with 1.0.0.
  {
    group: 'flink.apache.org',
    version: 'v1alpha1',
    kind: 'FlinkDeployment',
    deprecatedIn: '1.0.0',
    removedIn: '1.0.0',
    replacement: { group: 'flink.apache.org', version: 'v1beta1' },
    replacementAvailableIn: '1.0.0',
    scope: 'flink',
    versionOf: 'component',
    product: 'Flink Kubernetes Operator',
    source:
      'apache/flink-kubernetes-operator docs/content/docs/operations/upgrade.md ("Upgrading from v1alpha1 -> v1beta1"); flink.apache.org 1.0.0 release announcement (2022-06-05)',
    notes:
      'No conversion: suspend with a savepoint, delete the v1alpha1 CRD, install 1.0.0 and redeploy from the savepoint.',
  },
];

const KUBE_VERSION = /^v?(\d+)\.(\d+)(?:[.+-].*)?$/i;

/**
 * Reads the major and minor of a Kubernetes version as clusters and managed
 * services report it: `'1.29'`, `'v1.29.3-eks-abc'`, `'1.29.0+k3s1'`,
 * `'v1.30.1-gke.1'`, `'1.29+'`. Returns `undefined` for anything else.
 *
 * @public
 */
export function parseKubeMinor(
  version: string,
): { major: number; minor: number } | undefined {
  const match = KUBE_VERSION.exec(version.trim());
  if (!match) {
    return undefined;
  }
  return { major: Number(match[1]), minor: Number(match[2]) };
}

function requireKubeMinor(version: string): { major: number; minor: number } {
  const parsed = parseKubeMinor(version);
  if (!parsed) {
    throw new TypeError(`Not a Kubernetes version: "${version}"`);
  }
  return parsed;
}

/**
 * Orders two Kubernetes versions by major and minor, ignoring patch and
 * build: negative when `a` is older, zero for the same minor, positive when
 * newer. Throws a TypeError for a version {@link parseKubeMinor} cannot read.
 *
 * @public
 */
export function compareMinor(a: string, b: string): number {
  const left = requireKubeMinor(a);
  const right = requireKubeMinor(b);
  return left.major - right.major || left.minor - right.minor;
}

/**
 * The Kubernetes minor after the one of `version`, as `'MAJOR.MINOR'`
 * (`'1.29.3'` gives `'1.30'`). Throws a TypeError for an unreadable version.
 *
 * @public
 */
export function nextMinor(version: string): string {
  const { major, minor } = requireKubeMinor(version);
  return `${major}.${minor + 1}`;
}

/**
 * The `apiVersion` string of a group and version (`'v1'` for the core group).
 *
 * @public
 */
export function formatApiVersion({ group, version }: ApiGroupVersion): string {
  return group ? `${group}/${version}` : version;
}

/**
 * Splits an `apiVersion` such as `'apps/v1'` or `'v1'` into group and version.
 *
 * @public
 */
export function parseApiVersion(apiVersion: string): ApiGroupVersion {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : {
        group: apiVersion.slice(0, slash),
        version: apiVersion.slice(slash + 1),
      };
}

type Compare = (a: string, b: string) => number;

function keyOf({ group, version, kind }: GroupVersionKind): string {
  return `${group}/${version}/${kind}`;
}

function isAtOrAfter(
  target: string,
  release: string | undefined,
  compare: Compare,
) {
  return release !== undefined && compare(target, release) >= 0;
}

/**
 * The replacement to recommend at the target: the row's own, or, where that
 * is removed at the target (or deprecated with its own successor served),
 * the replacement's replacement, and so on.
 */
function resolveReplacement(
  row: ApiDeprecation,
  target: string,
  rows: ReadonlyMap<string, ApiDeprecation>,
  compare: Compare,
): Pick<ApiDeprecation, 'replacement' | 'replacementAvailableIn'> {
  let current: Pick<ApiDeprecation, 'replacement' | 'replacementAvailableIn'> =
    row;
  const seen = new Set<string>([keyOf(row)]);
  while (current.replacement) {
    const key = keyOf({ ...current.replacement, kind: row.kind });
    const next = rows.get(key);
    if (!next || seen.has(key)) {
      break;
    }
    seen.add(key);
    const nextRemoved = isAtOrAfter(target, next.removedIn, compare);
    const nextSupersededAndServed =
      isAtOrAfter(target, next.deprecatedIn, compare) &&
      next.replacement !== undefined &&
      (next.replacementAvailableIn === undefined ||
        isAtOrAfter(target, next.replacementAvailableIn, compare));
    if (!nextRemoved && !nextSupersededAndServed) {
      break;
    }
    current = next;
  }
  return {
    replacement: current.replacement,
    replacementAvailableIn: current.replacementAvailableIn,
  };
}

function productOf(row: ApiDeprecation): string {
  if (row.product) {
    return row.product;
  }
  return (row.versionOf ?? 'kubernetes') === 'kubernetes'
    ? 'Kubernetes'
    : row.scope;
}

function describe(
  row: ApiDeprecation,
  status: ApiFindingStatus,
  replacement: Pick<ApiDeprecation, 'replacement' | 'replacementAvailableIn'>,
  replacementAvailable: boolean,
): string {
  const product = productOf(row);
  const subject = `${formatApiVersion(row)} ${row.kind}`;
  const what =
    status === 'removed'
      ? `${subject} was removed in ${product} ${row.removedIn}`
      : `${subject} is deprecated since ${product} ${row.deprecatedIn}${
          row.removedIn ? ` and is removed in ${row.removedIn}` : ''
        }`;
  if (!replacement.replacement) {
    return `${what}; it has no replacement API`;
  }
  const target = formatApiVersion(replacement.replacement);
  const since = replacement.replacementAvailableIn;
  if (replacementAvailable) {
    return since
      ? `${what}; use ${target} (available since ${since})`
      : `${what}; use ${target}`;
  }
  return `${what}; its replacement ${target} is available from ${product} ${since}`;
}

function findFindings(
  inventory: ReadonlyArray<GroupVersionKind>,
  target: string,
  rows: ReadonlyArray<ApiDeprecation>,
  compare: Compare,
): ApiFinding[] {
  const byKey = new Map(rows.map(row => [keyOf(row), row]));
  const findings: ApiFinding[] = [];
  for (const item of inventory) {
    const row = byKey.get(keyOf(item));
    if (!row) {
      continue;
    }
    const removed = isAtOrAfter(target, row.removedIn, compare);
    if (!removed && !isAtOrAfter(target, row.deprecatedIn, compare)) {
      continue;
    }
    const status: ApiFindingStatus = removed ? 'removed' : 'deprecated';
    const resolved = resolveReplacement(row, target, byKey, compare);
    const replacementAvailable =
      resolved.replacement !== undefined &&
      (resolved.replacementAvailableIn === undefined ||
        isAtOrAfter(target, resolved.replacementAvailableIn, compare));
    findings.push({
      group: row.group,
      version: row.version,
      kind: row.kind,
      status,
      deprecatedIn: row.deprecatedIn,
      ...(row.removedIn !== undefined && { removedIn: row.removedIn }),
      ...(resolved.replacement !== undefined && {
        replacement: resolved.replacement,
      }),
      ...(resolved.replacementAvailableIn !== undefined && {
        replacementAvailableIn: resolved.replacementAvailableIn,
      }),
      replacementAvailable,
      source: row.source,
      ...(row.notes !== undefined && { notes: row.notes }),
      message: describe(row, status, resolved, replacementAvailable),
    });
  }
  return findings;
}

/**
 * The inventory items that Kubernetes `targetKubeVersion` no longer serves
 * (`'removed'`) or serves with a deprecation warning (`'deprecated'`), one
 * finding per matching item, in inventory order. Items the table does not
 * list are served and produce nothing. Only rows counted in Kubernetes
 * versions are consulted. Throws a TypeError for an unreadable target.
 *
 * @param inventory - The group, version and kind of each manifest or resource (`''` for the core group).
 * @param targetKubeVersion - The cluster version to check against, in any form {@link parseKubeMinor} reads.
 * @param table - The knowledge base; defaults to {@link kubernetesApiDeprecations}.
 *
 * @public
 */
export function findApiFindings(
  inventory: ReadonlyArray<GroupVersionKind>,
  targetKubeVersion: string,
  table: ReadonlyArray<ApiDeprecation> = kubernetesApiDeprecations,
): ApiFinding[] {
  requireKubeMinor(targetKubeVersion);
  const rows = table.filter(
    row => (row.versionOf ?? 'kubernetes') === 'kubernetes',
  );
  return findFindings(inventory, targetKubeVersion, rows, compareMinor);
}

function compareComponentVersions(a: string, b: string): number {
  const left = semver.coerce(a);
  const right = semver.coerce(b);
  if (!left || !right) {
    throw new TypeError(`Not a component version: "${left ? b : a}"`);
  }
  return semver.compare(left, right);
}

/**
 * The inventory items that version `targetComponentVersion` of component
 * `componentId` no longer serves or deprecates, from the rows whose `scope`
 * is the component and whose versions count in the component's releases.
 * Versions compare as SemVer after `semver.coerce`, so `'v0.49'` reads as
 * `0.49.0` and a pre-release of a version counts as that version. Throws a
 * TypeError for a target that cannot be read as a version.
 *
 * @param inventory - The group, version and kind of each custom resource.
 * @param componentId - The registry id of the component, for example `kafka`.
 * @param targetComponentVersion - The component version to check against.
 * @param table - The knowledge base; defaults to {@link componentApiDeprecations}.
 *
 * @public
 */
export function findComponentApiFindings(
  inventory: ReadonlyArray<GroupVersionKind>,
  componentId: string,
  targetComponentVersion: string,
  table: ReadonlyArray<ApiDeprecation> = componentApiDeprecations,
): ApiFinding[] {
  const target = semver.coerce(targetComponentVersion);
  if (!target) {
    throw new TypeError(
      `Not a version of ${componentId}: "${targetComponentVersion}"`,
    );
  }
  const rows = table.filter(
    row => row.scope === componentId && row.versionOf === 'component',
  );
  return findFindings(
    inventory,
    target.version,
    rows,
    compareComponentVersions,
  );
}
