import type { Entity } from '@backstage/catalog-model';

/**
 * The registry id of the data-stack component an entity runs (for example `trino`).
 *
 * @public
 */
export const ANNOTATION_DATASTACK_COMPONENT = 'datastack.io/component';
/**
 * The pipeline (a System name) a component entity belongs to.
 *
 * @public
 */
export const ANNOTATION_DATASTACK_PIPELINE = 'datastack.io/pipeline';
/**
 * Comma-separated environment names the component is deployed to (`dev,staging,prod`).
 *
 * @public
 */
export const ANNOTATION_DATASTACK_ENVIRONMENTS = 'datastack.io/environments';
/**
 * The GitOps repository of a pipeline, as a clone URL.
 *
 * @public
 */
export const ANNOTATION_DATASTACK_GITOPS_REPO = 'datastack.io/gitops-repo';

/**
 * Annotations of the Roadie and community Argo CD plugins, kept working unchanged.
 *
 * @public
 */
export const ANNOTATION_ARGOCD_APP_NAME = 'argocd/app-name';
/** @public */
export const ANNOTATION_ARGOCD_APP_SELECTOR = 'argocd/app-selector';
/** @public */
export const ANNOTATION_ARGOCD_INSTANCE_NAME = 'argocd/instance-name';
/** @public */
export const ANNOTATION_ARGOCD_APP_NAMESPACE = 'argocd/app-namespace';
/** @public */
export const ANNOTATION_ARGOCD_PROJECT_NAME = 'argocd/project-name';
/**
 * Backstage Kubernetes plugin annotation.
 *
 * @public
 */
export const ANNOTATION_KUBERNETES_ID = 'backstage.io/kubernetes-id';

/**
 * Labels that Datastack puts on the Argo CD Applications it renders.
 *
 * @public
 */
export const LABEL_PIPELINE = 'datastack.io/pipeline';
/** @public */
export const LABEL_COMPONENT = 'datastack.io/component';
/** @public */
export const LABEL_ENVIRONMENT = 'datastack.io/environment';

function annotation(entity: Entity, key: string): string | undefined {
  const value = entity.metadata.annotations?.[key]?.trim();
  return value ? value : undefined;
}

/**
 * True when an entity carries enough to look up its deployments: a Datastack
 * component id, or the Argo CD annotations that peer plugins use. One predicate
 * serves the new frontend system's `filter` and the legacy `EntitySwitch`.
 *
 * @public
 */
export function isDatastackAvailable(entity: Entity): boolean {
  return Boolean(
    annotation(entity, ANNOTATION_DATASTACK_COMPONENT) ||
      annotation(entity, ANNOTATION_ARGOCD_APP_NAME) ||
      annotation(entity, ANNOTATION_ARGOCD_APP_SELECTOR),
  );
}

/**
 * True for a pipeline System rendered by Datastack.
 *
 * @public
 */
export function isDatastackPipeline(entity: Entity): boolean {
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'system' &&
    Boolean(annotation(entity, ANNOTATION_DATASTACK_PIPELINE))
  );
}

/**
 * How an entity points at its Argo CD Applications.
 *
 * @public
 */
export interface ArgoCdLookup {
  /** Exactly one of appName or selector is set. */
  appName?: string;
  selector?: string;
  /** Instances to ask; empty means every configured instance. */
  instances: string[];
  appNamespace?: string;
  project?: string;
}

/**
 * Reads the Argo CD lookup of an entity from its annotations. Returns
 * undefined when the entity has none. `argocd/app-name` and
 * `argocd/app-selector` together are an error, as in the peer plugins.
 *
 * @public
 */
export function readArgoCdLookup(entity: Entity): ArgoCdLookup | undefined {
  const appName = annotation(entity, ANNOTATION_ARGOCD_APP_NAME);
  const selector = annotation(entity, ANNOTATION_ARGOCD_APP_SELECTOR);
  if (appName && selector) {
    throw new TypeError(
      `Entity ${entity.metadata.name} sets both ${ANNOTATION_ARGOCD_APP_NAME} and ${ANNOTATION_ARGOCD_APP_SELECTOR}; keep one`,
    );
  }
  if (!appName && !selector) {
    return undefined;
  }
  const instances = (annotation(entity, ANNOTATION_ARGOCD_INSTANCE_NAME) ?? '')
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
  return {
    appName,
    selector,
    instances,
    appNamespace: annotation(entity, ANNOTATION_ARGOCD_APP_NAMESPACE),
    project: annotation(entity, ANNOTATION_ARGOCD_PROJECT_NAME),
  };
}
