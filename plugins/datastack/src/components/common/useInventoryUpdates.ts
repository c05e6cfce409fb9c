import { useSignal } from '@backstage/plugin-signals-react';
import {
  INVENTORY_SIGNAL_CHANNEL,
  type InventorySignal,
} from '@datastack/plugin-datastack-common';
import { useEffect, useRef } from 'react';

/**
 * Calls `reload` when the backend's live inventory announces a change of
 * one of `instances` (any instance when undefined), through Backstage
 * signals. True when the app has signals, so the view may poll rarely.
 */
export function useInventoryUpdates(
  reload: () => void,
  instances?: readonly string[],
): boolean {
  const { lastSignal, isSignalsAvailable } = useSignal<
    InventorySignal & { [key: string]: string | string[] }
  >(INVENTORY_SIGNAL_CHANNEL);
  const reloadRef = useRef(reload);
  reloadRef.current = reload;
  const instancesKey = instances?.join('\u0000');
  useEffect(() => {
    if (!lastSignal) return;
    const changed = Array.isArray(lastSignal.instances)
      ? lastSignal.instances
      : undefined;
    const mine = instancesKey?.split('\u0000');
    if (!mine || !changed || changed.some(i => mine.includes(i))) {
      reloadRef.current();
    }
  }, [lastSignal, instancesKey]);
  return isSignalsAvailable;
}

/** True when every instance of a fleet answer came from the live inventory. */
export function fromInventory(value: {
  instances: Array<{ inventory?: unknown }>;
}): boolean {
  return value.instances.length > 0 && value.instances.every(i => i.inventory);
}
