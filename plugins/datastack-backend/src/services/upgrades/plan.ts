import {
  type ComponentRegistry,
  type UpgradeCandidate,
  type UpgradePlanStep,
  environmentRank,
} from '@datastack/plugin-datastack-common';

/** One deployment that has something to upgrade to. */
export interface PlanItem {
  componentId: string;
  pipeline?: string;
  environment?: string;
  instance: string;
  application: string;
  from?: string;
  /** The recommended candidate, else the newest unblocked (a major), else the newest (blocked) one. */
  target: UpgradeCandidate;
}

/**
 * The cycles among `nodes` of a dependency graph (Tarjan's strongly
 * connected components of more than one node, or a node that needs itself),
 * each as the ids around it.
 */
export function findCycles(
  nodes: string[],
  edges: Map<string, string[]>,
): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    indexOf.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
      }
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (edges.get(node) ?? []).includes(node)) {
        cycles.push(component.reverse());
      }
    }
  };
  for (const node of nodes) if (!indexOf.has(node)) visit(node);
  return cycles;
}

/**
 * Orders upgrade steps: environments in promotion order (dev, staging,
 * prod), and within a pipeline's environment, a component after the
 * components it `requires` (they must move first). Steps with the same
 * `order` may run together. Components in a dependency cycle are not
 * ordered: the cycle is reported and its steps come last, blocked.
 */
export function orderPlan(
  items: PlanItem[],
  registry: ComponentRegistry,
): { steps: UpgradePlanStep[]; cycles: string[][] } {
  const groups = new Map<string, PlanItem[]>();
  for (const item of items) {
    const key = `${item.pipeline ?? ''}\u0000${item.environment ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  // Layer of each item in its group; cycles collected once per component set.
  const layered: Array<{
    item: PlanItem;
    layer: number;
    after: string[];
    cycle?: string[];
  }> = [];
  const cycles = new Map<string, string[]>();
  for (const group of groups.values()) {
    const ids = [...new Set(group.map(i => i.componentId))];
    const present = new Set(ids);
    const needs = new Map(
      ids.map(id => [
        id,
        [
          ...new Set(
            (registry.find(id)?.requires ?? [])
              .map(r => r.componentId)
              .filter(dep => present.has(dep)),
          ),
        ],
      ]),
    );
    const groupCycles = findCycles(ids, needs);
    const inCycle = new Map<string, string[]>();
    for (const cycle of groupCycles) {
      cycles.set([...cycle].sort().join('→'), cycle);
      for (const id of cycle) inCycle.set(id, cycle);
    }
    const layer = new Map<string, number>();
    const layerOf = (id: string, trail: Set<string>): number => {
      if (layer.has(id)) return layer.get(id)!;
      if (inCycle.has(id) || trail.has(id)) return Number.POSITIVE_INFINITY;
      trail.add(id);
      const deps = needs.get(id) ?? [];
      const value = deps.length
        ? Math.max(...deps.map(d => layerOf(d, trail))) + 1
        : 0;
      trail.delete(id);
      layer.set(id, value);
      return value;
    };
    for (const item of group) {
      layered.push({
        item,
        layer: layerOf(item.componentId, new Set()),
        after: needs.get(item.componentId) ?? [],
        cycle: inCycle.get(item.componentId),
      });
    }
  }
  const rankLayers = [
    ...new Set(
      layered.map(l => `${environmentRank(l.item.environment)}:${l.layer}`),
    ),
  ].sort((a, b) => {
    const [ra, la] = a.split(':').map(Number);
    const [rb, lb] = b.split(':').map(Number);
    // Unordered (cyclic) steps last of all, then by environment and layer.
    const fa = Number.isFinite(la) ? 0 : 1;
    const fb = Number.isFinite(lb) ? 0 : 1;
    return fa - fb || ra - rb || la - lb;
  });
  const orderOf = new Map(rankLayers.map((key, i) => [key, i + 1]));
  const steps = layered
    .map(({ item, layer, after, cycle }): UpgradePlanStep => {
      const blockers = [...item.target.blockers];
      if (cycle) {
        blockers.push(
          `dependency cycle ${[...cycle, cycle[0]].join(
            ' → ',
          )}: fix the components' requires in the registry`,
        );
      }
      return {
        order: orderOf.get(`${environmentRank(item.environment)}:${layer}`)!,
        componentId: item.componentId,
        ...(item.pipeline && { pipeline: item.pipeline }),
        ...(item.environment && { environment: item.environment }),
        instance: item.instance,
        application: item.application,
        ...(item.from && { from: item.from }),
        to: item.target.chartVersion,
        hops: item.target.hops,
        risk: cycle ? 'blocking' : item.target.risk,
        blockers,
        after,
      };
    })
    .sort(
      (a, b) =>
        a.order - b.order ||
        (a.pipeline ?? '').localeCompare(b.pipeline ?? '') ||
        a.componentId.localeCompare(b.componentId),
    );
  return { steps, cycles: [...cycles.values()] };
}
