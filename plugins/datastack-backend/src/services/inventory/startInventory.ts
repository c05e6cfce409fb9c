import type {
  LifecycleService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { SignalsService } from '@backstage/plugin-signals-node';
import type { ArgoCdClient } from '@datastack/plugin-datastack-node';
import {
  INVENTORY_SIGNAL_CHANNEL,
  type InventorySignal,
} from '@datastack/plugin-datastack-common';
import type { Knex } from 'knex';
import type { InventoryConfig } from './config';
import { InventoryStore } from './InventoryStore';
import { LiveInventory } from './LiveInventory';

/** Signals are coalesced: at most one per this many milliseconds. */
const SIGNAL_COALESCE_MS = 250;

/**
 * Starts the live inventory (unless it is off) and stops it at shutdown,
 * giving up this replica's leases. Each change is announced on the
 * `datastack:inventory` signal channel with the instances that changed and
 * nothing else: every client re-reads its own, authorised answer.
 */
export function startInventory(options: {
  db: Knex;
  clients: ArgoCdClient[];
  config: InventoryConfig;
  logger: LoggerService;
  lifecycle: LifecycleService;
  signals?: SignalsService;
}): LiveInventory | undefined {
  if (!options.config.enabled || !options.clients.length) return undefined;
  const logger = options.logger.child({ component: 'inventory' });
  const inventory = new LiveInventory({
    clients: options.clients,
    store: new InventoryStore(options.db),
    config: options.config,
    logger,
  });
  const signals = options.signals;
  if (signals) {
    let pending = new Set<string>();
    let timer: NodeJS.Timeout | undefined;
    inventory.onChange(instances => {
      for (const i of instances) pending.add(i);
      timer ??= setTimeout(() => {
        timer = undefined;
        const changed = [...pending];
        pending = new Set();
        signals
          .publish<InventorySignal & { [key: string]: string | string[] }>({
            recipients: { type: 'broadcast' },
            channel: INVENTORY_SIGNAL_CHANNEL,
            message: { instances: changed, at: new Date().toISOString() },
          })
          .catch(error =>
            logger.debug('Inventory signal not published', {
              error: error instanceof Error ? error.message : String(error),
            }),
          );
      }, SIGNAL_COALESCE_MS);
    });
  }
  options.lifecycle.addStartupHook(() => inventory.start());
  options.lifecycle.addShutdownHook(async () => {
    await inventory.stop();
  });
  return inventory;
}
