/** Small helpers shared by the sandbox modules. */

import { createHash } from 'node:crypto';
import type { Server } from 'node:http';

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

/**
 * What a stand-in server keeps of its own life: the requests it answered (the
 * newest `logLimit`), the timers of its delayed answers, and a close that
 * cancels them and drops open connections. One serves every sandbox server.
 */
export function serverLifecycle<T>(logLimit: number) {
  let count = 0;
  let entries: T[] = [];
  let closing: Promise<void> | undefined;
  const timers = new Set<NodeJS.Timeout>();
  return {
    /** Counts and keeps one answered request. */
    record(entry: T) {
      count += 1;
      entries.push(entry);
      if (entries.length > logLimit) entries = entries.slice(-logLimit);
    },
    /** The `requests` view servers expose. */
    requests: {
      get count() {
        return count;
      },
      get entries() {
        return entries;
      },
      clear() {
        count = 0;
        entries = [];
      },
    },
    /** Waits `ms`, cancelled by close. */
    sleep(ms: number) {
      return new Promise<void>(done => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          done();
        }, ms);
        timers.add(timer);
      });
    },
    /** Closes `server` once, however often it is called. */
    close(server: Server) {
      closing ??= new Promise<void>(done => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => done());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
