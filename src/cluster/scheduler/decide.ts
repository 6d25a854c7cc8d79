// One scheduling decision: filter the nodes, score the feasible ones, pick the best (ties at random). Pure and
// synchronous over the cache's NodeInfos, so thousands of decisions a second cost little on a small machine.
import type { NodeInfo } from './cache.ts';
import type { Failure, PodSchedulingInfo } from './plugins.ts';
import { balancedScore, filterNode, leastAllocatedScore, rawAffinity, rawPreferNoSchedule, rawSpread, weights } from './plugins.ts';

export type Decision = { node: string; feasible: number } | { node: undefined; failures: Failure[]; nodeCount: number };

/** kube-scheduler's percentageOfNodesToScore default: all nodes up to 100, then an adaptive share (at least 100). */
export function feasibleNodesToFind(n: number): number {
  if (n <= 100) return n;
  const pct = Math.max(5, 50 - Math.floor(n / 125));
  return Math.max(100, Math.floor((n * pct) / 100));
}

export interface Decider {
  decide(p: PodSchedulingInfo, nodes: NodeInfo[]): Decision;
}

export function createDecider(random: () => number = Math.random): Decider {
  let feasible: NodeInfo[] = [];
  let base = new Float64Array(0);
  let affinity = new Float64Array(0);
  let taints = new Float64Array(0);
  let spread = new Float64Array(0);
  let nextStart = 0;

  const ensure = (n: number) => {
    if (base.length >= n) return;
    base = new Float64Array(n);
    affinity = new Float64Array(n);
    taints = new Float64Array(n);
    spread = new Float64Array(n);
  };

  return {
    decide(p, nodes) {
      const total = nodes.length;
      if (total === 0) return { node: undefined, failures: [], nodeCount: 0 };
      const want = feasibleNodesToFind(total);
      feasible.length = 0;
      const failures: Failure[] = [];
      let i = 0;
      for (; i < total && feasible.length < want; i++) {
        const n = nodes[(nextStart + i) % total];
        const f = filterNode(p, n);
        if (f) failures.push(f);
        else feasible.push(n);
      }
      nextStart = (nextStart + i) % total;
      const count = feasible.length;
      if (count === 0) return { node: undefined, failures, nodeCount: total };
      if (count === 1) return { node: feasible[0].name, feasible: 1 };

      ensure(count);
      let maxAff = 0, maxTaint = 0, maxSpread = 0, minSpread = Infinity;
      for (let k = 0; k < count; k++) {
        const n = feasible[k];
        base[k] = weights.leastAllocated * leastAllocatedScore(p.facts, n) + weights.balanced * balancedScore(p.facts, n);
        const a = (affinity[k] = rawAffinity(p, n));
        const t = (taints[k] = n.taints.length ? rawPreferNoSchedule(p, n) : 0);
        const s = (spread[k] = rawSpread(p, n));
        if (a > maxAff) maxAff = a;
        if (t > maxTaint) maxTaint = t;
        if (s > maxSpread) maxSpread = s;
        if (s < minSpread) minSpread = s;
      }
      let best = -1;
      let bestScore = -Infinity;
      let ties = 0;
      for (let k = 0; k < count; k++) {
        const aff = maxAff > 0 ? Math.floor((affinity[k] * 100) / maxAff) : 0;
        const tnt = maxTaint > 0 ? 100 - Math.floor((taints[k] * 100) / maxTaint) : 100;
        const spr = maxSpread > 0 ? Math.floor((100 * (maxSpread + minSpread - spread[k])) / maxSpread) : 100;
        const score = base[k] + weights.nodeAffinity * aff + weights.taints * tnt + weights.spread * spr;
        if (score > bestScore) {
          bestScore = score;
          best = k;
          ties = 1;
        } else if (score === bestScore && random() * ++ties < 1) best = k; // reservoir sampling: each tie equally likely
      }
      return { node: feasible[best].name, feasible: count };
    },
  };
}
