/**
 * The tenancy model of Datastack, shared by render, apply, the backend and
 * the permission policy: a pipeline belongs to the team that owns it; the
 * team's Argo CD AppProject and Application namespace confine what the
 * team's GitOps repository can create.
 */
import { DNS_1123_LABEL } from './registry/schema';

/**
 * The owning team of a pipeline, as render writes it (`group:default/data-engineering`).
 *
 * @public
 */
export const ANNOTATION_DATASTACK_OWNER = 'datastack.io/owner';
/**
 * The catalog entity an Argo CD Application or AppProject was rendered for (`component:default/orders-trino`).
 *
 * @public
 */
export const ANNOTATION_DATASTACK_ENTITY_REF = 'datastack.io/entity-ref';
/**
 * The team (a DNS-1123 label) an Application or AppProject belongs to.
 *
 * @public
 */
export const LABEL_TEAM = 'datastack.io/team';
/**
 * What created an object: `datastack` on everything Datastack renders.
 *
 * @public
 */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
/** @public */
export const MANAGED_BY_DATASTACK = 'datastack';

/**
 * The parts of an entity reference.
 *
 * @public
 */
export interface ParsedEntityRef {
  kind: string;
  namespace: string;
  name: string;
}

const REF_RE =
  /^(?:([A-Za-z][A-Za-z0-9]*):)?(?:([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/)?([A-Za-z0-9]([-_.A-Za-z0-9]*[A-Za-z0-9])?)$/;

/**
 * Parses an entity reference (`group:default/data-engineering`,
 * `default/x`, `x`) strictly: no path segments, no `..`, at most 63
 * characters in the name. Returns undefined for anything else.
 *
 * @public
 */
export function parseStrictEntityRef(
  value: string,
  defaults: { kind: string; namespace?: string },
): ParsedEntityRef | undefined {
  if (typeof value !== 'string' || value.length > 253) return undefined;
  const match = REF_RE.exec(value.trim());
  if (!match) return undefined;
  const name = match[4];
  if (name.length > 63) return undefined;
  return {
    kind: (match[1] ?? defaults.kind).toLocaleLowerCase('en-US'),
    namespace: match[2] ?? defaults.namespace ?? 'default',
    name,
  };
}

/**
 * `kind:namespace/name`, lower-cased kind and namespace, the form Backstage compares.
 *
 * @public
 */
export function formatEntityRef(ref: ParsedEntityRef): string {
  return `${ref.kind.toLocaleLowerCase(
    'en-US',
  )}:${ref.namespace.toLocaleLowerCase('en-US')}/${ref.name}`;
}

/**
 * Whether two entity references name the same entity (case-insensitive, as the catalog compares).
 *
 * @public
 */
export function sameEntityRef(a: string | undefined, b: string | undefined) {
  return (
    typeof a === 'string' &&
    typeof b === 'string' &&
    a.toLocaleLowerCase('en-US') === b.toLocaleLowerCase('en-US')
  );
}

/**
 * How team names become Argo CD names; `{team}` is replaced by the team label.
 *
 * @public
 */
export interface TenancyNaming {
  /** AppProject of a team. Default `team-{team}`. */
  project: string;
  /**
   * Namespace of a team's Applications and app of apps (Argo CD's
   * "Applications in any namespace"). Default `argocd-apps-{team}`.
   */
  applicationNamespace: string;
  /**
   * False for Argo CD installations without "Applications in any
   * namespace": Applications then live in Argo CD's own namespace and only
   * the AppProject confines them (the reduced guarantee).
   */
  appsInAnyNamespace: boolean;
  /** Argo CD's own namespace. Default `argocd`. */
  argocdNamespace: string;
}

/** @public */
export const DEFAULT_TENANCY_NAMING: TenancyNaming = {
  project: 'team-{team}',
  applicationNamespace: 'argocd-apps-{team}',
  appsInAnyNamespace: true,
  argocdNamespace: 'argocd',
};

/**
 * The team label of an owner reference: its name, lower-cased, with
 * anything outside a DNS-1123 label replaced, at most 40 characters so the
 * project and namespace names derived from it stay valid labels.
 *
 * @public
 */
export function teamLabel(ownerRef: string): string {
  const parsed = parseStrictEntityRef(ownerRef, { kind: 'group' });
  if (!parsed) {
    throw new TypeError(`"${ownerRef}" is not an entity reference`);
  }
  const label = parsed.name
    .toLocaleLowerCase('en-US')
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  if (!DNS_1123_LABEL.test(label)) {
    throw new TypeError(`"${ownerRef}" gives no usable team name`);
  }
  return label;
}

function fill(pattern: string, team: string): string {
  return pattern.split('{team}').join(team);
}

/**
 * Where a team's Argo CD objects live.
 *
 * @public
 */
export interface TeamPlacement {
  team: string;
  /** The owner entity reference, normalised (`group:default/data-engineering`). */
  owner: string;
  project: string;
  /** Namespace of the team's Applications (Argo CD's own when appsInAnyNamespace is off). */
  applicationNamespace: string;
}

/**
 * The AppProject and Application namespace of the team that owns `ownerRef`.
 *
 * @public
 */
export function teamPlacement(
  ownerRef: string,
  naming: TenancyNaming = DEFAULT_TENANCY_NAMING,
): TeamPlacement {
  const parsed = parseStrictEntityRef(ownerRef, { kind: 'group' });
  if (!parsed) {
    throw new TypeError(`"${ownerRef}" is not an entity reference`);
  }
  const team = teamLabel(ownerRef);
  return {
    team,
    owner: formatEntityRef(parsed),
    project: fill(naming.project, team),
    applicationNamespace: naming.appsInAnyNamespace
      ? fill(naming.applicationNamespace, team)
      : naming.argocdNamespace,
  };
}

/**
 * Whether Kubernetes/Argo CD metadata says an object was rendered by
 * Datastack for this owner and (when given) this entity. What every write
 * checks before it touches an existing object.
 *
 * @public
 */
export function ownedBy(
  metadata:
    | {
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
      }
    | undefined,
  owner: string,
  entityRef?: string,
): boolean {
  const annotations = metadata?.annotations ?? {};
  if (!sameEntityRef(annotations[ANNOTATION_DATASTACK_OWNER], owner)) {
    return false;
  }
  return entityRef === undefined
    ? true
    : sameEntityRef(annotations[ANNOTATION_DATASTACK_ENTITY_REF], entityRef);
}
