/** Small helpers shared by the sandbox modules. */

import { createHash } from 'node:crypto';

/** A timestamp as Kubernetes writes one (RFC 3339, second precision, UTC). */
export function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
}

/** Hex SHA-1 of a string: fake Git commits and other stable identifiers. */
export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** A stable UUID-shaped identifier derived from a seed. */
export function uuidFrom(seed: string): string {
  const h = sha1(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(
    17,
    20,
  )}-${h.slice(20, 32)}`;
}

/** Whether a value is a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON-equality that ignores key order and `undefined` members, the way two
 * objects decoded from JSON into the same Go struct compare.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonical).join(',')}]`;
  }
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter(key => value[key] !== undefined)
      .sort();
    return `{${keys
      .map(key => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Deep copy of JSON data. */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}
