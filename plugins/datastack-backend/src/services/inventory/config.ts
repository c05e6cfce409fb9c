import type { Config } from '@backstage/config';
import { DatastackConfigError } from '@datastack/plugin-datastack-node';

/** `datastack.inventory`, validated. */
export interface InventoryConfig {
  enabled: boolean;
  /** How long a lease lasts unless renewed; renewed every third of it. */
  leaseTtlMs: number;
  /** How often each replica reads the changes other replicas wrote. */
  pollIntervalMs: number;
  /** How often the holder checks that its stream is not stalled. */
  probeIntervalMs: number;
  /** The longest wait between two reconnects. */
  reconnectMaxMs: number;
  /** How long events are coalesced before they are written. */
  flushMs: number;
  /** Bytes of one watch event accepted. */
  maxEventBytes: number;
  /** Silence (no event, no keep-alive) after which a stream is replaced. */
  streamIdleTimeoutMs: number;
  /** How long a deleted Application's row stays for the replicas to read before it is pruned. */
  tombstoneTtlMs: number;
}

const KEY = 'datastack.inventory';

function whole(
  config: Config,
  key: string,
  fallback: number,
  min: number,
  max: number,
  unit: string,
): number {
  const value = config.getOptionalNumber(`${KEY}.${key}`) ?? fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DatastackConfigError(
      `${KEY}.${key}`,
      `must be a whole number of ${unit} between ${min} and ${max}`,
    );
  }
  return value;
}

/** Reads `datastack.inventory`; a bad value fails start-up naming its key. */
export function readInventoryConfig(config: Config): InventoryConfig {
  const ms = 'milliseconds';
  const leaseTtlMs = whole(config, 'leaseTtlMs', 15_000, 3_000, 300_000, ms);
  return {
    enabled: config.getOptionalBoolean(`${KEY}.enabled`) ?? true,
    leaseTtlMs,
    pollIntervalMs: whole(config, 'pollIntervalMs', 500, 50, 60_000, ms),
    probeIntervalMs: whole(config, 'probeIntervalMs', 10_000, 100, 300_000, ms),
    reconnectMaxMs: whole(config, 'reconnectMaxMs', 30_000, 100, 600_000, ms),
    flushMs: whole(config, 'flushMs', 50, 0, 5_000, ms),
    streamIdleTimeoutMs: whole(
      config,
      'streamIdleTimeoutMs',
      25_000,
      100,
      600_000,
      ms,
    ),
    tombstoneTtlMs: whole(
      config,
      'tombstoneTtlMs',
      10 * 60_000,
      100,
      24 * 60 * 60_000,
      ms,
    ),
    maxEventBytes: whole(
      config,
      'maxEventBytes',
      8 * 1024 * 1024,
      1024,
      256 * 1024 * 1024,
      'bytes',
    ),
  };
}
