import type { Config } from '@backstage/config';
import {
  DEFAULT_ARGOCD_TIMEOUT_MS,
  DatastackConfigError,
  readTimeout,
} from '@datastack/plugin-datastack-node';

/** Default byte limit of one Kubernetes answer (a NodeList of a few thousand nodes fits). */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** How Datastack calls clusters: `datastack.kubernetes`. */
export interface KubernetesOptions {
  /** Milliseconds one call may take, its body included. */
  timeoutMs: number;
  /** Bytes one answer may have; a larger one is that cluster's error. */
  maxResponseBytes: number;
}

/**
 * Reads `datastack.kubernetes.requestTimeoutMs` (default: Argo CD's
 * `datastack.argocd.requestTimeoutMs`, itself 10000) and
 * `datastack.kubernetes.maxResponseBytes`, naming the key at fault.
 */
export function readKubernetesOptions(config: Config): KubernetesOptions {
  const argocdTimeout = readTimeout(
    config,
    'datastack.argocd.requestTimeoutMs',
    DEFAULT_ARGOCD_TIMEOUT_MS,
  );
  const timeoutMs = readTimeout(
    config,
    'datastack.kubernetes.requestTimeoutMs',
    argocdTimeout,
  );
  const key = 'datastack.kubernetes.maxResponseBytes';
  const raw = config.getOptional(key);
  const maxResponseBytes = raw ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (
    typeof maxResponseBytes !== 'number' ||
    !Number.isInteger(maxResponseBytes) ||
    maxResponseBytes < 1024 ||
    maxResponseBytes > 1024 * 1024 * 1024
  ) {
    throw new DatastackConfigError(
      key,
      'must be a whole number of bytes between 1024 and 1073741824',
    );
  }
  return { timeoutMs, maxResponseBytes };
}
