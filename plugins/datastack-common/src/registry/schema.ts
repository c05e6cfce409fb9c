import semver from 'semver';
import { z } from 'zod';

/** The layers of a data stack, in the order a pipeline reads. */
export const DATASTACK_LAYERS = [
  'ingest',
  'transform',
  'orchestrate',
  'store',
  'stream',
  'visualise',
  'observe',
] as const;
export type DatastackLayer = (typeof DATASTACK_LAYERS)[number];

/** An RFC 1123 label: Kubernetes namespaces, Argo CD Application names, component ids. */
export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_1123_LABEL_MAX = 63;

export const dnsLabelSchema = z
  .string()
  .max(DNS_1123_LABEL_MAX, `must be at most ${DNS_1123_LABEL_MAX} characters`)
  .regex(
    DNS_1123_LABEL,
    'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit',
  );

export const semverSchema = z
  .string()
  .refine(v => semver.valid(v) !== null, 'must be a SemVer 2 version (x.y.z)');

export const semverRangeSchema = z
  .string()
  .refine(
    v => semver.validRange(v, { includePrerelease: true }) !== null,
    'must be a SemVer range (for example ">=1.25.0-0")',
  );

const chartRepositorySchema = z
  .string()
  .regex(
    /^(https?|oci):\/\/[^\s/]+(\/[^\s]*)?$/,
    'must be an http(s):// chart repository URL or an oci:// reference',
  );

/** A Kubernetes group/version/kind, `group` empty for the core group. */
export const groupVersionKindSchema = z.object({
  group: z.string(),
  version: z.string().min(1),
  kind: z.string().min(1),
});
export type GroupVersionKind = z.infer<typeof groupVersionKindSchema>;

/** A constraint one component puts on another: `componentId` must be in `range`. */
export const constraintSchema = z.object({
  componentId: dnsLabelSchema,
  range: semverRangeSchema,
  reason: z.string().min(1),
  /** Versions of the declaring component the constraint applies to; all when absent. */
  appliesTo: semverRangeSchema.optional(),
  /** Where the rule comes from: a release note, the chart, a curated finding. */
  source: z.string().min(1),
});
export type Constraint = z.infer<typeof constraintSchema>;

const valuesSchema = z.record(z.string(), z.unknown());

/**
 * An upgrade that may not be made in one jump: from a deployed version in
 * `from` to a target in `to`, the component must first run a version in `via`.
 */
export const upgradeHopSchema = z.object({
  from: semverRangeSchema,
  to: semverRangeSchema,
  via: semverRangeSchema,
  reason: z.string().min(1),
  source: z.string().min(1),
});
export type UpgradeHop = z.infer<typeof upgradeHopSchema>;

/** A curated note on the chart versions in `versions`, shown on every candidate there. */
export const breakingNoteSchema = z.object({
  versions: semverRangeSchema,
  note: z.string().min(1),
  source: z.string().min(1),
});
export type BreakingNote = z.infer<typeof breakingNoteSchema>;

/** Environment sizes that pick a component's default values. */
export const ENVIRONMENT_SIZES = ['small', 'medium', 'large'] as const;
export type EnvironmentSize = (typeof ENVIRONMENT_SIZES)[number];

/** One data-stack component: what it is, where its chart lives, what it needs. */
export const componentDefinitionSchema = z
  .object({
    id: dnsLabelSchema,
    title: z.string().min(1),
    description: z.string().min(1),
    layer: z.enum(DATASTACK_LAYERS),
    /** `helm-chart`: deployed by Argo CD from a chart; `dbt-project`: rendered code run by an orchestrator. */
    type: z.enum(['helm-chart', 'dbt-project']),
    chart: z
      .object({
        repository: chartRepositorySchema,
        name: z.string().min(1),
        version: semverSchema,
        appVersion: z.string().min(1),
      })
      .optional(),
    /** For `dbt-project`: the dbt-core version and the adapter per warehouse component. */
    dbt: z
      .object({
        coreVersion: semverSchema,
        adapters: z.record(
          dnsLabelSchema,
          z.object({ package: z.string().min(1), version: semverSchema }),
        ),
      })
      .optional(),
    namespace: dnsLabelSchema,
    /** The Kubernetes range the chart declares (Chart.yaml kubeVersion) or documents. */
    kubeVersion: semverRangeSchema.optional(),
    images: z.array(z.string().min(1)),
    crds: z.array(groupVersionKindSchema),
    /** The operator Deployment whose availability decides the component's health. */
    operatorDeployment: z.string().min(1).optional(),
    requires: z.array(constraintSchema),
    conflicts: z.array(constraintSchema),
    /** Upgrades that must pass through an intermediate version. */
    upgradeHops: z.array(upgradeHopSchema).optional(),
    /** Curated breaking notes per chart version range. */
    breakingNotes: z.array(breakingNoteSchema).optional(),
    values: z.object({
      small: valuesSchema,
      medium: valuesSchema,
      large: valuesSchema,
    }),
    docsUrl: z.string().url(),
    sourceUrl: z.string().url(),
    tags: z.array(z.string().min(1)),
  })
  .superRefine((c, ctx) => {
    if (c.type === 'helm-chart' && !c.chart) {
      ctx.addIssue({
        code: 'custom',
        path: ['chart'],
        message: 'is required for a helm-chart component',
      });
    }
    if (c.type === 'dbt-project' && !c.dbt) {
      ctx.addIssue({
        code: 'custom',
        path: ['dbt'],
        message: 'is required for a dbt-project component',
      });
    }
  });
export type ComponentDefinition = z.infer<typeof componentDefinitionSchema>;

/**
 * A rule between layers or components of one pipeline: when `when` is present,
 * at least one of `requiresAny` must be too.
 */
export const compositionRuleSchema = z.object({
  id: z.string().min(1),
  when: z.union([
    z.object({ layer: z.enum(DATASTACK_LAYERS) }),
    z.object({ component: dnsLabelSchema }),
  ]),
  requiresAny: z.array(dnsLabelSchema).min(1),
  message: z.string().min(1),
});
export type CompositionRule = z.infer<typeof compositionRuleSchema>;

/** An override from app-config `datastack.components.<id>`: any field but the id. */
export const componentOverrideSchema = z
  .object({
    title: z.string().min(1),
    description: z.string().min(1),
    layer: z.enum(DATASTACK_LAYERS),
    type: z.enum(['helm-chart', 'dbt-project']),
    chart: z
      .object({
        repository: chartRepositorySchema,
        name: z.string().min(1),
        version: semverSchema,
        appVersion: z.string().min(1),
      })
      .partial(),
    namespace: dnsLabelSchema,
    kubeVersion: semverRangeSchema,
    images: z.array(z.string().min(1)),
    crds: z.array(groupVersionKindSchema),
    operatorDeployment: z.string().min(1),
    requires: z.array(constraintSchema),
    conflicts: z.array(constraintSchema),
    upgradeHops: z.array(upgradeHopSchema),
    breakingNotes: z.array(breakingNoteSchema),
    values: z
      .object({
        small: valuesSchema,
        medium: valuesSchema,
        large: valuesSchema,
      })
      .partial(),
    docsUrl: z.string().url(),
    sourceUrl: z.string().url(),
    tags: z.array(z.string().min(1)),
  })
  .partial()
  .strict();
export type ComponentOverride = z.infer<typeof componentOverrideSchema>;
