import type { Config } from '@backstage/config';
import {
  DEFAULT_TENANCY_NAMING,
  DNS_1123_LABEL,
  TenancyNaming,
  parseStrictEntityRef,
  formatEntityRef,
} from '@datastack/plugin-datastack-common';
import { DatastackConfigError } from './config';

/**
 * `datastack.tenancy`: how teams are kept apart and who administers the platform.
 *
 * @public
 */
export interface TenancyConfig extends TenancyNaming {
  /**
   * Whether datastack:argocd:apply may create a team's AppProject (and add a
   * pipeline's repository and namespaces to it). When false the project must
   * exist and already allow them; apply checks that before it writes.
   */
  createProjects: boolean;
  /** Group entity refs whose members administer the platform (normalised). */
  adminGroups: string[];
}

function readPattern(config: Config, key: string, fallback: string): string {
  const value = config.getOptionalString(key) ?? fallback;
  const sample = value.split('{team}').join('a');
  if (!value.includes('{team}') || !DNS_1123_LABEL.test(sample)) {
    throw new DatastackConfigError(
      key,
      `"${value}" must contain {team} and give a DNS-1123 label`,
    );
  }
  return value;
}

/**
 * Reads and validates `datastack.tenancy`, naming the key at fault.
 *
 * @public
 */
export function readTenancyConfig(root: Config): TenancyConfig {
  const prefix = 'datastack.tenancy';
  const argocdNamespace =
    root.getOptionalString(`${prefix}.argocdNamespace`) ??
    DEFAULT_TENANCY_NAMING.argocdNamespace;
  if (!DNS_1123_LABEL.test(argocdNamespace)) {
    throw new DatastackConfigError(
      `${prefix}.argocdNamespace`,
      `"${argocdNamespace}" must be a DNS-1123 label`,
    );
  }
  const adminGroups = (
    root.getOptionalStringArray(`${prefix}.adminGroups`) ?? []
  ).map((value, i) => {
    const parsed = parseStrictEntityRef(value, { kind: 'group' });
    if (!parsed || parsed.kind !== 'group') {
      throw new DatastackConfigError(
        `${prefix}.adminGroups[${i}]`,
        `"${value}" must be a group entity reference such as group:default/platform-team`,
      );
    }
    return formatEntityRef(parsed);
  });
  return {
    project: readPattern(
      root,
      `${prefix}.project`,
      DEFAULT_TENANCY_NAMING.project,
    ),
    applicationNamespace: readPattern(
      root,
      `${prefix}.applicationNamespace`,
      DEFAULT_TENANCY_NAMING.applicationNamespace,
    ),
    appsInAnyNamespace:
      root.getOptionalBoolean(`${prefix}.appsInAnyNamespace`) ??
      DEFAULT_TENANCY_NAMING.appsInAnyNamespace,
    argocdNamespace,
    createProjects:
      root.getOptionalBoolean(`${prefix}.createProjects`) ?? false,
    adminGroups,
  };
}
