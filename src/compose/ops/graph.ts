// The services' dependency graph (depends_on): the order `up` starts them in, the reverse `down` stops
// them in, and which services a command that names some of them takes along.
import type { Project } from '../types.ts';

/** The services in dependency order (dependencies first; ties keep the file's order); throws on a cycle. */
export function startOrder(project: Project, names: string[] = Object.keys(project.services)): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw new Error(`dependency cycle detected: ${cycle.join(' -> ')}`);
    }
    state.set(name, 'visiting');
    const service = project.services[name];
    for (const dep of Object.keys(service?.dependsOn ?? {})) if (project.services[dep]) visit(dep, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of names) visit(name, []);
  const wanted = new Set(names);
  return order.filter((n) => wanted.has(n));
}

/** `names` and, unless noDeps, every service they depend on (transitively); unknown names throw docker compose's error. */
export function withDependencies(project: Project, names: string[], noDeps = false): string[] {
  for (const n of names) if (!project.services[n]) throw new Error(`no such service: ${n}`);
  if (!names.length) return Object.keys(project.services);
  if (noDeps) return names;
  const seen = new Set<string>();
  const add = (n: string) => {
    if (seen.has(n) || !project.services[n]) return;
    seen.add(n);
    for (const d of Object.keys(project.services[n].dependsOn)) add(d);
  };
  names.forEach(add);
  return Object.keys(project.services).filter((n) => seen.has(n));
}

/** The services that depend on `name` directly. */
export function dependents(project: Project, name: string): string[] {
  return Object.values(project.services).filter((s) => name in s.dependsOn).map((s) => s.name);
}
