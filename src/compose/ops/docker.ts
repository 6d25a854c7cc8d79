// The Docker API calls the operations make, typed for what they read back. Everything goes through the
// caller's client (the daemon the user chose); an answer's status is read with statusOf, never its text.
import type { Client } from '../../cli/http.ts';
import { LABEL } from '../types.ts';
import { projectFilter } from './names.ts';

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  State: string;
  Status: string;
  Labels: Record<string, string> | null;
  Ports?: Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }> | null;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  Image: string;
  Config: { Tty: boolean; Labels: Record<string, string> | null; Image: string };
  State: { Status: string; Running: boolean; ExitCode: number; Error?: string; Health?: { Status: string } };
}

/** The HTTP status of an API error (the CLI's ApiError carries it), without importing the CLI's classes. */
export function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

/** GET that answers undefined for a 404. */
export async function getOrUndefined<T>(api: Client, path: string): Promise<T | undefined> {
  try {
    return await api.json<T>('GET', path);
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

/** The project's containers (all states), one-offs only when asked; oldest first. */
export async function projectContainers(api: Client, project: string, o: { oneoff?: 'exclude' | 'include' | 'only'; services?: string[] } = {}): Promise<ContainerSummary[]> {
  const extra = o.oneoff === 'only' ? [`${LABEL.oneoff}=True`] : o.oneoff === 'include' ? [] : [`${LABEL.oneoff}=False`];
  const list = await api.json<ContainerSummary[]>('GET', '/containers/json', { query: { all: true, filters: projectFilter(project, extra) } });
  const wanted = o.services?.length ? new Set(o.services) : undefined;
  return list.filter((c) => !wanted || wanted.has(c.Labels?.[LABEL.service] ?? '')).sort((a, b) => a.Created - b.Created || numberOf(a) - numberOf(b));
}

export const containerNameOf = (c: ContainerSummary) => (c.Names[0] ?? c.Id).replace(/^\//, '');
export const serviceOf = (c: ContainerSummary) => c.Labels?.[LABEL.service] ?? '';
export const numberOf = (c: ContainerSummary) => Number(c.Labels?.[LABEL.number] ?? 0);

export function inspectContainer(api: Client, id: string): Promise<ContainerInspect> {
  return api.json<ContainerInspect>('GET', `/containers/${encodeURIComponent(id)}/json`);
}

/** The image's id, or undefined when the daemon has no such image. */
export async function imageId(api: Client, ref: string): Promise<string | undefined> {
  return (await getOrUndefined<{ Id: string }>(api, `/images/${encodeURIComponent(ref)}/json`))?.Id;
}

export async function startContainer(api: Client, id: string): Promise<void> {
  await api.json('POST', `/containers/${id}/start`);
}

export async function stopContainer(api: Client, id: string, timeout?: number): Promise<void> {
  await api.json('POST', `/containers/${id}/stop`, { query: { t: timeout } });
}

export async function removeContainer(api: Client, id: string, o: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
  try {
    await api.json('DELETE', `/containers/${id}`, { query: { force: o.force || undefined, v: o.volumes || undefined } });
  } catch (err) {
    if (statusOf(err) !== 404) throw err; // already gone (an --rm container, a parallel down)
  }
}
