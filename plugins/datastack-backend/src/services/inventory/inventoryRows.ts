import type {
  ApplicationHealth,
  InstanceHealthRow,
  InventoryState,
} from '@datastack/plugin-datastack-common';

/**
 * An instance's health row from the live inventory: `ok` while the
 * projection is live or briefly stale (its state says since when), and
 * `unreachable` with the projection as its last known Applications while
 * Argo CD cannot be listed.
 */
export function inventoryRow(
  instance: string,
  state: InventoryState,
  applications: ApplicationHealth[],
): InstanceHealthRow {
  if (state.state === 'unreachable') {
    return {
      instance,
      status: 'unreachable',
      error: state.message ?? `Argo CD instance "${instance}" cannot be listed`,
      applications: [],
      fetchedAt: state.since,
      ...(applications.length > 0 && {
        lastKnown: { fetchedAt: state.asOf ?? state.since, applications },
      }),
      inventory: state,
    };
  }
  return {
    instance,
    status: 'ok',
    applications,
    fetchedAt: state.asOf ?? state.since,
    inventory: state,
  };
}
