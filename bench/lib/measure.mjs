// What the benchmarks measure outside the process they measure: the
// backend's CPU time and resident memory from /proc (the same counters
// `process.cpuUsage()` and `process.memoryUsage().rss` read, without a hook
// in the backend), the live inventory's state over its own route, and the
// requests each sandbox Argo CD received.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { eventually } from '../../e2e/lib.mjs';

const CLOCK_TICKS = Number(
  spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100,
);

/** User + system CPU time of a process and all its threads, in ms. */
export async function cpuMs(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is field 3, utime 14 and stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** Resident set size of a process, in MB. */
export async function rssMb(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  return kb / 1024;
}

/** Waits until every named instance's inventory is live; its states. */
export async function inventoryLive(backend, names, ms = 300_000) {
  return eventually(
    async () => {
      const res = await backend.api('/api/datastack/health/inventory');
      const { instances } = await res.json();
      const live = names.every(
        n => instances.find(i => i.instance === n)?.state === 'live',
      );
      return live && instances;
    },
    { ms, every: 250, what: `inventories of ${names.join(', ')} live` },
  );
}

/**
 * Resolves once the backend's copy of the catalog's Datastack entities holds
 * at least `count` (it is read every 30 s, so entities registered a moment
 * ago are not in it yet; a page view then reads the catalog itself).
 */
export async function catalogCopied(backend, count, ms = 60_000) {
  return eventually(
    async () => {
      const res = await backend.api('/api/datastack/health/inventory');
      const { catalog } = await res.json();
      // No copy (turned off): nothing to wait for.
      if (!catalog?.enabled) return true;
      return catalog.current && catalog.entities >= count && catalog;
    },
    { ms, every: 250, what: `a copy of ${count} catalog entities` },
  );
}

/** The state one instance's inventory is in, as the backend reports it. */
export async function inventoryState(backend, name) {
  const res = await backend.api('/api/datastack/health/inventory');
  const { instances } = await res.json();
  return instances.find(i => i.instance === name);
}

/** Requests a sandbox instance has received so far (count) and the recent ones. */
export async function sandboxRequests(instance) {
  return (await fetch(`${instance.url}/sandbox/requests`)).json();
}

/**
 * The live inventory's own requests: the full list (no query), the probe
 * (a selector matching nothing) and the watch stream. Anything else an
 * Argo CD instance received while page views ran was asked for a page view.
 */
export function isInventoryRequest(entry) {
  return (
    entry.stream ||
    entry.path === '/api/v1/applications' ||
    entry.path.includes('inventory-probe')
  );
}

/**
 * Requests each instance received between two {@link sandboxRequests}
 * snapshots that were neither the inventory's own nor, by `ownRequest`,
 * the benchmark's (the syncs it starts).
 */
export function pageViewRequests(before, after, ownRequest = () => false) {
  let total = 0;
  for (let i = 0; i < after.length; i++) {
    const added = after[i].count - before[i].count;
    if (added > after[i].entries.length) {
      throw new Error(
        `more requests (${added}) than the sandbox log keeps: cannot classify them`,
      );
    }
    total += after[i].entries
      .slice(after[i].entries.length - added)
      .filter(
        e => e.area !== 'sandbox' && !isInventoryRequest(e) && !ownRequest(e),
      ).length;
  }
  return total;
}

export const median = values =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export const percentile = (values, p) =>
  [...values].sort((a, b) => a - b)[
    Math.min(values.length - 1, Math.floor((values.length * p) / 100))
  ];
