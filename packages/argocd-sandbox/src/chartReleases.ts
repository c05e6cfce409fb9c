/**
 * The releases of one component's chart, generated around the version the
 * registry pins: some older, the pinned one, newer patch, minor and major
 * releases. Each release is a real chart archive (Chart.yaml, values.yaml,
 * values.schema.json for some, templates with literal apiVersion/kind lines,
 * crds/), built once and deterministically, so its sha256 digest is stable.
 *
 * Values really change between releases, and always on keys the registry's
 * default values set, so "your override is affected" can be shown:
 * - releases before the pinned minor lack the last key the registry sets;
 * - the next patch adds `serviceAccount.automountServiceAccountToken`;
 * - the next minor adds a PodDisruptionBudget block and changes the default
 *   of the first key the registry sets that has a scalar default;
 * - the next major renames (or removes) another of those keys, and tightens
 *   the schema around it.
 * The `artifacthub.io/changes` annotation of every release says the same.
 */

import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import {
  CHART_FLAVOURS,
  ChartChange,
  ChartComponent,
  ChartCrd,
  ChartDependency,
  ChartFlavour,
  CrdVersion,
  Milestone,
  ReleaseSteps,
  ValuesOp,
  compareVersions,
  parseVersion,
} from './chartComponents';
import {
  InventoryItem,
  canonicalChart,
  inventoryFor,
  isWorkload,
} from './charts';
import { isClusterScoped } from './projectRules';
import { CHART_SOURCES } from './seed';
import { createTarGz } from './tar';
import { isRecord } from './util';

/** Chart.yaml of a release, as an object. */
export interface ChartMetadata {
  apiVersion: 'v2';
  name: string;
  description: string;
  type: 'application';
  version: string;
  appVersion: string;
  kubeVersion?: string;
  deprecated?: boolean;
  home: string;
  icon?: string;
  sources: string[];
  keywords: string[];
  maintainers: Array<{ name: string; email?: string; url?: string }>;
  dependencies?: ChartDependency[];
  annotations: Record<string, string>;
}

/** One CRD a release ships in `crds/`. */
export interface ReleaseCrd {
  group: string;
  kind: string;
  plural: string;
  versions: CrdVersion[];
}

/** One generated release of a chart. */
export interface ChartRelease {
  version: string;
  appVersion: string;
  /** RFC 3339 with nanoseconds, as Helm writes `created`. */
  created: string;
  createdMs: number;
  metadata: ChartMetadata;
  values: Record<string, unknown>;
  schema?: Record<string, unknown>;
  changes: ChartChange[];
  crds: ReleaseCrd[];
  /** group/version/kind of every template. */
  templates: Array<{ apiVersion: string; kind: string; name: string }>;
  /** `<chart>-<version>.tgz` */
  fileName: string;
  archive: Buffer;
  /** Hex sha256 of the archive. */
  digest: string;
}

/** A component's chart and its releases. */
export interface ChartReleases {
  componentId: string;
  chart: string;
  /** The registry's repository URL, as written there. */
  repository: string;
  pinned: string;
  steps: ReleaseSteps;
  flavour: ChartFlavour;
  /** Newest first, as index.yaml lists them. */
  releases: ChartRelease[];
}

/** When the newest release of every chart was published. */
const NEWEST_RELEASE = Date.UTC(2026, 10, 24, 9, 0, 0);
const RELEASE_INTERVAL = 17 * 86_400_000;
const RELEASE = '{{ .Release.Name }}';
const NAMESPACE = '{{ .Release.Namespace }}';

const BUILT_IN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'policy',
  'autoscaling',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'coordination.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'discovery.k8s.io',
]);

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function generatedVersions(pinned: string): string[] {
  const v = parseVersion(pinned);
  if (!v) return [pinned];
  const { major: M, minor: m, patch: p } = v;
  const older: string[] = [];
  if (m >= 2) older.push(`${M}.${m - 2}.0`);
  if (m >= 1) older.push(`${M}.${m - 1}.0`, `${M}.${m - 1}.1`);
  if (p >= 1) older.push(`${M}.${m}.${p - 1}`);
  return [
    ...older,
    pinned,
    `${M}.${m}.${p + 1}`,
    `${M}.${m}.${p + 2}`,
    `${M}.${m + 1}.0`,
    `${M}.${m + 1}.1`,
    `${M + 1}.0.0`,
  ];
}

function isPrerelease(version: string): boolean {
  return (parseVersion(version)?.prerelease.length ?? 0) > 0;
}

function stepsOf(versions: string[], pinned: string): ReleaseSteps {
  const p = parseVersion(pinned);
  const newer = versions
    .slice(versions.indexOf(pinned) + 1)
    .filter(v => !isPrerelease(v));
  const steps: ReleaseSteps = {
    pinned,
    minorFloor: pinned,
    oldest: versions[0],
  };
  if (!p) return steps;
  steps.minorFloor = `${p.major}.${p.minor}.0`;
  for (const v of newer) {
    const n = parseVersion(v);
    if (!n) continue;
    if (n.major === p.major && n.minor === p.minor) steps.patch ??= v;
    else if (n.major === p.major && n.minor > p.minor) steps.minor ??= v;
    else if (n.major > p.major) steps.major ??= v;
  }
  return steps;
}

function appVersionFor(
  version: string,
  pinned: string,
  pinnedApp: string | undefined,
  versions: string[],
  flavour: ChartFlavour,
): string {
  const curated = flavour.appVersions?.[version];
  if (curated) return curated;
  if (!pinnedApp || pinnedApp === pinned) return version;
  const app = /^(v?)(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$/.exec(pinnedApp);
  const v = parseVersion(version);
  const p = parseVersion(pinned);
  if (!app || !v || !p) return pinnedApp;
  const [, prefix, a1, a2, a3, rest] = app;
  if (a2 === undefined) {
    const delta = versions.indexOf(version) - versions.indexOf(pinned);
    return `${prefix}${Math.max(1, Number(a1) + delta)}${rest}`;
  }
  let [x, y, z] = [Number(a1), Number(a2), Number(a3 ?? 0)];
  if (v.major !== p.major && x === 0) {
    // An operator still at 0.x: a new chart major is a new app minor.
    y += v.major - p.major + 1;
    z = 0;
  } else if (v.major !== p.major) {
    x += v.major - p.major;
    y = v.minor;
    z = v.patch;
  } else if (v.minor !== p.minor) {
    y += v.minor - p.minor;
    z = v.patch;
  } else {
    z += v.patch - p.patch;
  }
  const parts = [x, y, z].map(n => Math.max(0, n));
  return `${prefix}${(a3 === undefined ? parts.slice(0, 2) : parts).join(
    '.',
  )}${rest}`;
}

/** RFC 3339 with nanoseconds, derived from the millisecond and a seed. */
function createdAt(ms: number, seed: string): string {
  const nanos = String(Number.parseInt(sha256(seed).slice(0, 6), 16) % 1e6);
  return new Date(ms)
    .toISOString()
    .replace(/\.(\d{3})Z$/, `.$1${nanos.padStart(6, '0')}Z`);
}

function leafPaths(value: unknown, prefix = ''): string[] {
  if (!isRecord(value) || Object.keys(value).length === 0) {
    return prefix ? [prefix] : [];
  }
  return Object.entries(value).flatMap(([key, child]) =>
    leafPaths(child, prefix ? `${prefix}.${key}` : key),
  );
}

function getPath(values: Record<string, unknown>, path: string): unknown {
  let at: unknown = values;
  for (const key of path.split('.')) {
    if (!isRecord(at)) return undefined;
    at = at[key];
  }
  return at;
}

function applyOp(values: Record<string, unknown>, op: ValuesOp): void {
  const path = 'set' in op ? op.set : op.unset;
  const keys = path.split('.');
  const parents: Array<Record<string, unknown>> = [values];
  for (const key of keys.slice(0, -1)) {
    const parent = parents[parents.length - 1];
    if (!isRecord(parent[key])) {
      if ('unset' in op) return;
      parent[key] = {};
    }
    parents.push(parent[key] as Record<string, unknown>);
  }
  const last = keys[keys.length - 1];
  if ('set' in op) {
    parents[parents.length - 1][last] = structuredClone(op.value);
    return;
  }
  delete parents[parents.length - 1][last];
  for (let i = parents.length - 1; i > 0; i--) {
    if (Object.keys(parents[i]).length > 0) break;
    delete parents[i - 1][keys[i - 1]];
  }
}

function deepMerge(
  base: Record<string, unknown>,
  over: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out = structuredClone(base);
  for (const [key, value] of Object.entries(over)) {
    out[key] =
      isRecord(value) && isRecord(out[key])
        ? deepMerge(out[key] as Record<string, unknown>, value)
        : structuredClone(value);
  }
  return out;
}

/** A changed default for a scalar, or undefined when there is no natural one. */
function bumped(value: unknown): unknown {
  if (typeof value === 'boolean') return !value;
  if (typeof value === 'number' && Number.isInteger(value)) return value + 1;
  if (typeof value !== 'string') return undefined;
  const quantity = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|K|M|G|GB|MB|d|h)?$/.exec(
    value,
  );
  return quantity
    ? `${Number(quantity[1]) * 2}${quantity[2] ?? ''}`
    : undefined;
}

function renamedPath(path: string): string | undefined {
  const keys = path.split('.');
  const leaf = keys[keys.length - 1];
  const parent = keys[keys.length - 2];
  let to: string | undefined;
  if (leaf === 'replicas' && parent !== 'replicas') to = 'replicaCount';
  if (leaf === 'replicaCount' && parent !== 'replicas') to = 'replicas';
  if (leaf === 'workers') to = 'workerCount';
  return to ? [...keys.slice(0, -1), to].join('.') : undefined;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The milestones every chart gets, on the keys the registry sets. */
function genericMilestones(
  s: ReleaseSteps,
  registryPaths: string[],
  reference: Record<string, unknown>,
): { milestones: Milestone[]; strictFromMajor?: string } {
  const present = registryPaths.filter(
    p => getPath(reference, p) !== undefined,
  );
  const milestones: Milestone[] = [];
  let added: string | undefined;
  if (present.length >= 2 && compareVersions(s.minorFloor, s.oldest) > 0) {
    added = present[present.length - 1];
    milestones.push({
      from: s.minorFloor,
      changes: [
        {
          kind: 'added',
          description: `\`${added}\` (default ${show(
            getPath(reference, added),
          )})`,
        },
      ],
      ops: [{ unset: added }],
    });
  }
  if (s.patch) {
    milestones.push({
      from: s.patch,
      changes: [
        {
          kind: 'security',
          description:
            'Pods no longer mount the service account token unless `serviceAccount.automountServiceAccountToken` is true',
        },
      ],
      ops: [
        { set: 'serviceAccount.automountServiceAccountToken', value: false },
      ],
    });
  }
  let changed: string | undefined;
  if (s.minor) {
    changed = present.find(
      p => p !== added && bumped(getPath(reference, p)) !== undefined,
    );
    const top = present[0]?.split('.')[0];
    const pdb =
      top && isRecord(reference[top])
        ? `${top}.podDisruptionBudget`
        : 'podDisruptionBudget';
    const changes: ChartChange[] = [
      {
        kind: 'added',
        description: `\`${pdb}\` to run a PodDisruptionBudget (enabled by default, maxUnavailable 1)`,
      },
    ];
    const ops: ValuesOp[] = [
      { set: pdb, value: { enabled: true, maxUnavailable: 1 } },
    ];
    if (changed) {
      const before = getPath(reference, changed);
      const after = bumped(before);
      changes.push({
        kind: 'changed',
        description: `The default of \`${changed}\` is now ${show(
          after,
        )} (was ${show(before)})`,
      });
      ops.push({ set: changed, value: after });
    }
    milestones.push({ from: s.minor, changes, ops });
  }
  let strictFromMajor: string | undefined;
  if (s.major) {
    const candidates = present.filter(p => p !== changed && p !== added);
    const renamed = candidates.find(p => renamedPath(p));
    const removed = renamed ?? candidates[0];
    if (removed) {
      const to = renamedPath(removed);
      const ops: ValuesOp[] = [{ unset: removed }];
      if (to) ops.push({ set: to, value: getPath(reference, removed) });
      milestones.push({
        from: s.major,
        changes: [
          {
            kind: 'removed',
            description: to
              ? `\`${removed}\` is renamed to \`${to}\`: move your value`
              : `\`${removed}\` is removed: the chart no longer lets you set it`,
          },
        ],
        ops,
      });
      strictFromMajor = removed.split('.').slice(0, -1).join('.');
    }
  }
  return { milestones, strictFromMajor };
}

function schemaOf(
  value: unknown,
  path: string,
  strict: ReadonlySet<string>,
): Record<string, unknown> {
  if (Array.isArray(value)) {
    const first = value[0];
    return first === undefined
      ? { type: 'array' }
      : { type: 'array', items: schemaOf(first, `${path}[]`, strict) };
  }
  if (isRecord(value)) {
    const leaf = path.split('.').pop();
    if (leaf === 'resources' || Object.keys(value).length === 0) {
      return { type: 'object' };
    }
    const properties: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      properties[key] = schemaOf(child, path ? `${path}.${key}` : key, strict);
    }
    return {
      type: 'object',
      ...(strict.has(path) ? { additionalProperties: false } : {}),
      properties,
    };
  }
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (typeof value === 'number') {
    return { type: Number.isInteger(value) ? 'integer' : 'number' };
  }
  if (typeof value === 'string') return { type: 'string' };
  return { type: ['null', 'string'] };
}

function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  return lower.endsWith('s') ? `${lower}es` : `${lower}s`;
}

function imageWithTemplateTag(image: string, tag: string): string {
  return image.endsWith(`:${tag}`)
    ? `${image.slice(
        0,
        -tag.length,
      )}{{ .Values.image.tag | default .Chart.AppVersion }}`
    : image;
}

function slug(name: string): string {
  return (
    name
      .replace(`${RELEASE}-`, '')
      .replace(RELEASE, 'release')
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-') || 'release'
  );
}

/** A template with literal apiVersion and kind lines, as charts write them. */
function templateOf(item: InventoryItem, chart: string, tag: string): string {
  const apiVersion = item.group
    ? `${item.group}/${item.version}`
    : item.version;
  const lines = [
    `apiVersion: ${apiVersion}`,
    `kind: ${item.kind}`,
    'metadata:',
    `  name: ${item.name}`,
    // Cluster-scoped resources (the operators' ClusterRoles) have none.
    ...(isClusterScoped(item.group, item.kind)
      ? []
      : [`  namespace: ${NAMESPACE}`]),
    '  labels:',
    `    {{- include "${chart}.labels" . | nindent 4 }}`,
  ];
  const selector = [
    '    matchLabels:',
    `      {{- include "${chart}.selectorLabels" . | nindent 6 }}`,
  ];
  const containers = (indent: string) =>
    (item.images ?? []).flatMap(image => [
      `${indent}- name: ${image.split('/').pop()!.split(':')[0]}`,
      `${indent}  image: "${imageWithTemplateTag(image, tag)}"`,
      `${indent}  imagePullPolicy: {{ .Values.image.pullPolicy }}`,
    ]);
  if (isWorkload(item.kind)) {
    lines.push('spec:');
    if (item.kind !== 'DaemonSet')
      lines.push(`  replicas: ${item.replicas ?? 1}`);
    lines.push(
      '  selector:',
      ...selector.map(l => l.replace(/^ {4}/, '    ')),
      '  template:',
      '    metadata:',
      '      labels:',
      `        {{- include "${chart}.selectorLabels" . | nindent 8 }}`,
      '    spec:',
      `      serviceAccountName: {{ include "${chart}.serviceAccountName" . }}`,
      '      containers:',
      ...containers('        '),
    );
  } else if (item.kind === 'CronJob') {
    lines.push(
      'spec:',
      '  schedule: "0 3 * * *"',
      '  jobTemplate:',
      '    spec:',
      '      template:',
      '        spec:',
      '          restartPolicy: OnFailure',
      '          containers:',
      ...containers('            '),
    );
  } else if (item.kind === 'Service') {
    lines.push(
      'spec:',
      '  type: ClusterIP',
      '  ports:',
      '    - name: http',
      '      port: 80',
      '      targetPort: http',
      '  selector:',
      `    {{- include "${chart}.selectorLabels" . | nindent 4 }}`,
    );
  } else if (item.kind === 'Ingress') {
    lines.push(
      'spec:',
      '  rules:',
      `    - host: ${item.host ?? `${chart}.local`}`,
      '      http:',
      '        paths:',
      '          - path: /',
      '            pathType: Prefix',
      '            backend:',
      '              service:',
      `                name: ${item.name}`,
      '                port:',
      '                  name: http',
    );
  } else if (item.kind === 'PodDisruptionBudget') {
    lines.push('spec:', '  maxUnavailable: 1', '  selector:', ...selector);
  } else if (item.kind === 'ConfigMap') {
    lines.push('data: {}');
  } else if (item.kind === 'ClusterRole') {
    lines.push(
      'rules:',
      '  - apiGroups: ["*"]',
      '    resources: ["*"]',
      '    verbs: ["get", "list", "watch"]',
    );
  } else if (item.kind === 'ClusterRoleBinding') {
    lines.push(
      'roleRef:',
      '  apiGroup: rbac.authorization.k8s.io',
      '  kind: ClusterRole',
      `  name: ${item.name}`,
      'subjects:',
      '  - kind: ServiceAccount',
      `    name: {{ include "${chart}.serviceAccountName" . }}`,
      `    namespace: ${NAMESPACE}`,
    );
  } else if (item.kind !== 'ServiceAccount') {
    lines.push('spec: {}');
  }
  return `${lines.join('\n')}\n`;
}

function helpers(chart: string): string {
  return `{{/*
Expand the name of the chart.
*/}}
{{- define "${chart}.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "${chart}.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "${chart}.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "${chart}.selectorLabels" -}}
app.kubernetes.io/name: {{ include "${chart}.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "${chart}.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "${chart}.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "${chart}.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "${chart}.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}
`;
}

function crdManifest(crd: ReleaseCrd): string {
  return stringify({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${crd.plural}.${crd.group}` },
    spec: {
      group: crd.group,
      names: {
        kind: crd.kind,
        listKind: `${crd.kind}List`,
        plural: crd.plural,
        singular: crd.kind.toLowerCase(),
      },
      scope: 'Namespaced',
      versions: crd.versions.map(v => ({
        name: v.name,
        served: v.served,
        storage: v.storage,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            'x-kubernetes-preserve-unknown-fields': true,
          },
        },
        subresources: { status: {} },
      })),
    },
  });
}

function lastApplicable<T extends { from: string }>(
  entries: readonly T[],
  version: string,
): T | undefined {
  return [...entries]
    .sort((a, b) => compareVersions(a.from, b.from))
    .filter(e => compareVersions(e.from, version) <= 0)
    .pop();
}

/** A component's chart with a chart, as {@link buildChartReleases} needs. */
export type ChartComponentWithChart = ChartComponent & {
  chart: NonNullable<ChartComponent['chart']>;
};

/** The flavour of a component, a plain one for components the sandbox has no curated facts about. */
export function flavourOf(component: ChartComponentWithChart): ChartFlavour {
  return (
    CHART_FLAVOURS[component.id] ?? {
      description: `A Helm chart for ${
        component.title ?? component.chart.name
      }`,
      home: `https://charts.sandbox.datastack.local/${component.chart.name}`,
      sources: [],
      keywords: [component.chart.name],
      maintainers: [{ name: 'Datastack sandbox' }],
    }
  );
}

/**
 * Every release of a component's chart, newest first. Deterministic: the
 * same component always gives the same archives and digests.
 */
export function buildChartReleases(
  component: ChartComponentWithChart,
): ChartReleases {
  const { chart } = component;
  const flavour = flavourOf(component);
  const seedVersion = CHART_SOURCES[canonicalChart(chart.name)]?.version;
  const versions = [
    ...new Set([
      ...(flavour.versions ?? generatedVersions(chart.version)),
      chart.version,
      ...(flavour.extraVersions ?? []),
      ...(seedVersion ? [seedVersion] : []),
    ]),
  ].sort(compareVersions);
  const steps = stepsOf(versions, chart.version);

  const sizes = Object.values(component.values ?? {});
  const registryPaths = [
    ...new Set(sizes.flatMap(size => leafPaths(size))),
  ].sort();
  const workloads = inventoryFor(chart.name, {
    release: RELEASE,
    namespace: NAMESPACE,
    tag: chart.version,
    legacyApis: false,
  });
  const firstImage = workloads.find(i => i.images?.length)?.images?.[0];
  const reference = deepMerge(
    {
      nameOverride: '',
      fullnameOverride: '',
      image: {
        repository: firstImage
          ? firstImage.slice(0, firstImage.lastIndexOf(':'))
          : chart.name,
        tag: '',
        pullPolicy: 'IfNotPresent',
      },
      imagePullSecrets: [],
      serviceAccount: { create: true, annotations: {}, name: '' },
      podAnnotations: {},
      podSecurityContext: { fsGroup: 1001 },
      nodeSelector: {},
      tolerations: [],
      affinity: {},
    },
    sizes[0] ?? {},
  );
  const generic = genericMilestones(steps, registryPaths, reference);
  const milestones = [
    ...generic.milestones,
    ...(flavour.milestones?.(steps) ?? []),
  ];
  const kubeRanges = flavour.kubeVersions?.(steps, component.kubeVersion) ?? [
    { from: '0.0.0', range: component.kubeVersion },
  ];
  const deprecatedFrom = flavour.deprecatedFrom?.(steps);
  const legacyBefore = flavour.legacyApisBefore?.(steps);
  const noteTarget = (from: string) =>
    versions.find(v => compareVersions(v, from) >= 0);

  const releases = versions.map((version, index): ChartRelease => {
    const appVersion = appVersionFor(
      version,
      chart.version,
      chart.appVersion,
      versions,
      flavour,
    );
    const previousApp =
      index > 0
        ? appVersionFor(
            versions[index - 1],
            chart.version,
            chart.appVersion,
            versions,
            flavour,
          )
        : undefined;
    const newerThanPinned = compareVersions(version, chart.version) > 0;

    // Values: the pinned release's, moved through every milestone between.
    const values = structuredClone(reference);
    const ordered = [...milestones].sort((a, b) =>
      compareVersions(a.from, b.from),
    );
    const toApply = newerThanPinned
      ? ordered.filter(
          m =>
            compareVersions(m.from, chart.version) > 0 &&
            compareVersions(m.from, version) <= 0,
        )
      : ordered
          .filter(
            m =>
              compareVersions(m.from, chart.version) <= 0 &&
              compareVersions(m.from, version) > 0,
          )
          .reverse();
    for (const milestone of toApply) {
      for (const op of milestone.ops ?? []) applyOp(values, op);
    }
    let dependencies = flavour.dependencies;
    if (newerThanPinned) {
      for (const milestone of toApply) {
        if (milestone.dependencies) dependencies = milestone.dependencies;
      }
    }

    const changes: ChartChange[] = milestones
      .filter(m => noteTarget(m.from) === version)
      .flatMap(m => m.changes);
    if (appVersion !== previousApp) {
      changes.push({
        kind: 'changed',
        description: `Update ${component.title ?? chart.name} to ${appVersion}`,
      });
    }
    if (changes.length === 0) {
      changes.push({
        kind: 'fixed',
        description: 'Render the chart labels consistently on every resource',
      });
    }

    const kubeVersion = lastApplicable(kubeRanges, version)?.range;
    const deprecated =
      deprecatedFrom !== undefined &&
      compareVersions(version, deprecatedFrom) >= 0;
    const legacyApis =
      legacyBefore !== undefined && compareVersions(version, legacyBefore) < 0;
    const inventory = inventoryFor(chart.name, {
      release: RELEASE,
      namespace: NAMESPACE,
      tag: version,
      legacyApis,
    }).filter(
      item =>
        (BUILT_IN_GROUPS.has(item.group) || flavour.templatesCustomResources) &&
        // A release without the bundled database does not template it.
        (values.postgresql !== undefined || !item.name.endsWith('-postgresql')),
    );
    const images = [
      ...new Set(inventory.flatMap(item => item.images ?? [])),
    ].map(image => ({
      name: image.split('/').pop()!.split(':')[0],
      image: image.endsWith(`:${version}`)
        ? `${image.slice(0, -version.length)}${appVersion}`
        : image,
    }));

    const crdKinds = new Map<string, ChartCrd>();
    for (const crd of component.crds ?? []) {
      crdKinds.set(`${crd.group}/${crd.kind}`, crd);
    }
    const crds: ReleaseCrd[] = [...crdKinds.values()].map(crd => ({
      group: crd.group,
      kind: crd.kind,
      plural: pluralOf(crd.kind),
      versions: flavour.crdVersions?.(version, crd) ?? [
        { name: crd.version, served: true, storage: true },
      ],
    }));

    const annotations: Record<string, string> = {
      'artifacthub.io/changes': stringify(changes, { lineWidth: 0 }),
      'artifacthub.io/images': stringify(images, { lineWidth: 0 }),
      'artifacthub.io/license': 'Apache-2.0',
    };
    if (changes.some(c => c.kind === 'security')) {
      annotations['artifacthub.io/containsSecurityUpdates'] = 'true';
    }
    if (isPrerelease(version))
      annotations['artifacthub.io/prerelease'] = 'true';
    const metadata: ChartMetadata = {
      apiVersion: 'v2',
      name: chart.name,
      description: flavour.description,
      type: 'application',
      version,
      appVersion,
      ...(kubeVersion ? { kubeVersion } : {}),
      ...(deprecated ? { deprecated: true } : {}),
      home: flavour.home,
      ...(flavour.icon ? { icon: flavour.icon } : {}),
      sources: flavour.sources,
      keywords: flavour.keywords,
      maintainers: flavour.maintainers,
      ...(dependencies?.length ? { dependencies } : {}),
      annotations,
    };

    let schema: Record<string, unknown> | undefined;
    if (flavour.schema) {
      const strict = new Set(['']);
      if (
        generic.strictFromMajor !== undefined &&
        steps.major &&
        compareVersions(version, steps.major) >= 0
      ) {
        strict.add(generic.strictFromMajor);
      }
      schema = {
        $schema: 'http://json-schema.org/draft-07/schema#',
        description: `Default values for ${chart.name}`,
        ...schemaOf(values, '', strict),
      };
    }

    const templateFiles = inventory.map(item => ({
      path: `${chart.name}/templates/${slug(
        item.name,
      )}-${item.kind.toLowerCase()}.yaml`,
      content: templateOf(item, chart.name, version),
    }));
    const files = [
      { path: `${chart.name}/Chart.yaml`, content: stringify(metadata) },
      {
        path: `${chart.name}/values.yaml`,
        content: `# Default values for ${
          chart.name
        }.\n# This is a YAML-formatted file.\n# Declare variables to be passed into your templates.\n\n${stringify(
          values,
        )}`,
      },
      ...(schema
        ? [
            {
              path: `${chart.name}/values.schema.json`,
              content: `${JSON.stringify(schema, null, 2)}\n`,
            },
          ]
        : []),
      {
        path: `${chart.name}/templates/_helpers.tpl`,
        content: helpers(chart.name),
      },
      {
        path: `${chart.name}/templates/NOTES.txt`,
        content: `${chart.name} ${version} is installed as release {{ .Release.Name }} in {{ .Release.Namespace }}.\n`,
      },
      ...templateFiles,
      ...crds.map(crd => ({
        path: `${chart.name}/crds/${crd.plural}.${crd.group}.yaml`,
        content: crdManifest(crd),
      })),
    ];
    const createdMs =
      NEWEST_RELEASE -
      (versions.length - 1 - index) * RELEASE_INTERVAL -
      (Number.parseInt(sha256(`${chart.name}@${version}`).slice(0, 8), 16) %
        21_600_000);
    const archive = createTarGz(files, createdMs);
    return {
      version,
      appVersion,
      created: createdAt(createdMs, `${chart.name}@${version}`),
      createdMs,
      metadata,
      values,
      schema,
      changes,
      crds,
      templates: inventory.map(item => ({
        apiVersion: item.group ? `${item.group}/${item.version}` : item.version,
        kind: item.kind,
        name: item.name,
      })),
      fileName: `${chart.name}-${version}.tgz`,
      archive,
      digest: sha256(archive),
    };
  });

  return {
    componentId: component.id,
    chart: chart.name,
    repository: chart.repository,
    pinned: chart.version,
    steps,
    flavour,
    releases: releases.reverse(),
  };
}
