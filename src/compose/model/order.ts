// Dependency order over depends_on: the cycle check at load, and the order `up` starts services in (a
// service after everything it depends on; ties by name, so the order is stable).
import type { Project, Service } from '../types.ts';
import { ComposeError } from './errors.ts';

type Graph = Record<string, { dependsOn: Record<string, unknown> }>;

/** A cycle as its path (`['a', 'b', 'a']`), or null */
export function findCycle(services: Graph): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === 'done') return null;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of Object.keys(services[name]?.dependsOn ?? {}).sort()) {
      if (!services[dep]) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return null;
  };
  for (const name of Object.keys(services).sort()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return null;
}

/**
 * The project's services in start order; with `names`, those and everything they depend on (transitively).
 * Dependencies that are not in the project (a non-required one left out) are skipped. Reverse it to stop.
 */
export function serviceOrder(project: Pick<Project, 'services'>, names?: readonly string[]): string[] {
  const services = project.services;
  const wanted = new Set<string>();
  const add = (name: string): void => {
    if (wanted.has(name)) return;
    if (!services[name]) throw new ComposeError(`no such service: ${name}`, { service: name }, { kind: 'NotFound' });
    wanted.add(name);
    for (const dep of Object.keys(services[name].dependsOn)) if (services[dep]) add(dep);
  };
  for (const name of names && names.length > 0 ? names : Object.keys(services)) add(name);
  const order: string[] = [];
  const placed = new Set<string>();
  const ready = (s: Service): boolean => Object.keys(s.dependsOn).every((d) => placed.has(d) || !wanted.has(d));
  while (order.length < wanted.size) {
    const next = [...wanted].filter((n) => !placed.has(n) && ready(services[n])).sort();
    if (next.length === 0) {
      const cycle = findCycle(services) ?? [];
      throw new ComposeError(`dependency cycle detected: ${cycle.join(' -> ')}`);
    }
    for (const n of next) {
      order.push(n);
      placed.add(n);
    }
  }
  return order;
}
