import type { Config } from '@backstage/config';
import { DNS_1123_LABEL } from '@datastack/plugin-datastack-common';

/**
 * One Argo CD instance, as configured under `datastack.argocd.instances`.
 *
 * @public
 */
export interface ArgoCdInstanceConfig {
  name: string;
  /** API base URL, without a trailing slash. */
  url: string;
  /** UI base URL, without a trailing slash. */
  uiUrl: string;
  auth:
    | { type: 'token'; token: string }
    | { type: 'password'; username: string; password: string };
}

/** @public */
export interface ArgoCdConfig {
  instances: ArgoCdInstanceConfig[];
  requestTimeoutMs: number;
  /** Bytes one Argo CD answer may have (`datastack.argocd.maxResponseBytes`). */
  maxResponseBytes: number;
}

/** @public */
export const DEFAULT_ARGOCD_TIMEOUT_MS = 10_000;

/**
 * A configuration value Datastack cannot use; the message names the key.
 *
 * @public
 */
export class DatastackConfigError extends Error {
  constructor(readonly key: string, message: string) {
    super(`Invalid configuration at ${key}: ${message}`);
    this.name = 'DatastackConfigError';
  }
}

function readUrl(config: Config, key: string, fullKey: string): string {
  const raw = config.getString(key);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DatastackConfigError(fullKey, `"${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DatastackConfigError(fullKey, 'must be an http(s) URL');
  }
  return raw.replace(/\/+$/, '');
}

/**
 * Reads a positive timeout, naming the key when it is not one.
 *
 * @public
 */
export function readTimeout(
  config: Config,
  key: string,
  fallback: number,
): number {
  const value = config.getOptionalNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value <= 0 || value > 300_000) {
    throw new DatastackConfigError(
      key,
      'must be a whole number of milliseconds between 1 and 300000',
    );
  }
  return value;
}

/**
 * Reads and validates `datastack.argocd`. Throws
 * {@link DatastackConfigError} naming the key at fault, so a bad value fails
 * backend start-up with a message the operator can act on.
 *
 * @public
 */
export function readArgoCdConfig(root: Config): ArgoCdConfig {
  const prefix = 'datastack.argocd';
  const requestTimeoutMs = readTimeout(
    root,
    `${prefix}.requestTimeoutMs`,
    DEFAULT_ARGOCD_TIMEOUT_MS,
  );
  const seen = new Set<string>();
  const instances = (
    root.getOptionalConfigArray(`${prefix}.instances`) ?? []
  ).map((c, i): ArgoCdInstanceConfig => {
    const at = `${prefix}.instances[${i}]`;
    const name = c.getString('name');
    if (!DNS_1123_LABEL.test(name) || name.length > 63) {
      throw new DatastackConfigError(
        `${at}.name`,
        `"${name}" must be a DNS-1123 label`,
      );
    }
    if (seen.has(name)) {
      throw new DatastackConfigError(
        `${at}.name`,
        `"${name}" names another instance too`,
      );
    }
    seen.add(name);
    const url = readUrl(c, 'url', `${at}.url`);
    const uiUrl = c.has('uiUrl') ? readUrl(c, 'uiUrl', `${at}.uiUrl`) : url;
    const token = c.getOptionalString('token');
    const username = c.getOptionalString('username');
    const password = c.getOptionalString('password');
    if (token && (username || password)) {
      throw new DatastackConfigError(
        at,
        'set either token or username and password, not both',
      );
    }
    if (token) {
      return { name, url, uiUrl, auth: { type: 'token', token } };
    }
    if (username && password) {
      return {
        name,
        url,
        uiUrl,
        auth: { type: 'password', username, password },
      };
    }
    throw new DatastackConfigError(
      at,
      'needs a token, or a username and a password',
    );
  });
  return {
    instances,
    requestTimeoutMs,
    maxResponseBytes: readArgoCdMaxResponseBytes(root),
  };
}

/**
 * Default bound of one Argo CD answer: 64 MiB (some 10 000 Applications with status).
 *
 * @public
 */
export const DEFAULT_ARGOCD_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * `datastack.argocd.maxResponseBytes`, validated: a whole number of bytes from 1 KiB to 1 GiB.
 *
 * @public
 */
export function readArgoCdMaxResponseBytes(config: Config): number {
  return readByteLimit(
    config,
    'datastack.argocd.maxResponseBytes',
    DEFAULT_ARGOCD_MAX_RESPONSE_BYTES,
  );
}

/**
 * A byte limit at `key`, validated: a whole number of bytes from 1 KiB to 1 GiB.
 *
 * @public
 */
export function readByteLimit(
  config: Config,
  key: string,
  fallback: number,
): number {
  const value = config.getOptionalNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value < 1024 || value > 1024 ** 3) {
    throw new DatastackConfigError(
      key,
      'must be a whole number of bytes between 1024 and 1073741824',
    );
  }
  return value;
}
