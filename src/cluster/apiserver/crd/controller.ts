// What kube-apiserver's apiextensions controllers do, in every server (each serves from its own set): a
// CRD's served versions are installed into the live set (its watch cache loaded before the CRD is called
// Established), its names are checked against every other kind of its group (NamesAccepted), its status is
// kept (acceptedNames, conditions), and a deleted CRD's custom objects are deleted before its cleanup
// finalizer is removed; the kind leaves the set when the CRD is gone.
import type { ApiClient } from '../../client/types.ts';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import type { ResourceSet } from '../../types/resource-set.ts';
import { gvrOf } from '../../types/registry.ts';
import { isStatusError } from '../../types/status-error.ts';
import { logger } from '../../../lib/log.ts';
import { setCondition } from './lifecycle.ts';
import { specsOf } from './specs.ts';
import { CLEANUP_FINALIZER, type CustomResourceDefinition } from './types.ts';

const log = logger('crd');
const FIELD_MANAGER = 'kube-apiserver';

export interface CrdControllerOptions {
  client: ApiClient;
  resources: ResourceSet;
  /** resolves once the watch cache holds every installed kind (Rest.cacheSynced) */
  cacheSynced(): Promise<void>;
  now?: () => Date;
  /** called once the CRDs stored at start are installed (the server serves after it) */
  ready?: () => void;
}

const ts = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const asCrd = (o: KObject) => o as unknown as CustomResourceDefinition;

/** A name of `crd` another served kind of its group already has (kube's NamesAccepted check), or undefined. */
function nameConflict(crd: CustomResourceDefinition, set: ResourceSet): string | undefined {
  const { group, names } = crd.spec;
  const mine = crd.metadata?.name;
  for (const s of set.list()) {
    if (s.group !== group || `${s.resource}.${s.group}` === mine) continue;
    if (s.resource === names.plural) return `"${names.plural}" is already in use`;
    if (s.singular === names.singular) return `"${names.singular}" is already in use`;
    if (s.kind === names.kind) return `"${names.kind}" is already in use`;
    if (s.listKind === names.listKind) return `"${names.listKind}" is already in use`;
    for (const short of names.shortNames ?? []) if (s.shortNames?.includes(short)) return `"${short}" is already in use`;
  }
  return undefined;
}

export async function runCrdController(opts: CrdControllerOptions, signal: AbortSignal): Promise<void> {
  const { client, resources } = opts;
  const now = opts.now ?? (() => new Date());
  /** the spec text each CRD's versions were installed from (a status write does not reinstall) */
  const installed = new Map<string, string>();
  const cleaning = new Set<string>();

  /** the CRD's versions into the set (again only when its spec or deletion changed), its caches loaded */
  async function install(crd: CustomResourceDefinition): Promise<void> {
    const name = crd.metadata!.name!;
    const text = JSON.stringify([crd.spec, !!crd.metadata?.deletionTimestamp]);
    if (installed.get(name) === text) return;
    installed.set(name, text);
    resources.replace(name, specsOf(crd));
    await opts.cacheSynced();
  }

  async function writeStatus(crd: CustomResourceDefinition): Promise<void> {
    try {
      await client.update(R.customresourcedefinitions, undefined, crd as unknown as KObject, { subresource: 'status', fieldManager: FIELD_MANAGER });
    } catch (err) {
      // a newer CRD is on its way through the watch; that event reconciles again
      if (!isStatusError(err, 'Conflict') && !isStatusError(err, 'NotFound')) throw err;
    }
  }

  async function reconcile(crd: CustomResourceDefinition): Promise<void> {
    const name = crd.metadata!.name!;
    if (crd.metadata?.deletionTimestamp) {
      void install(crd); // terminating: no more creates
      return void cleanup(crd);
    }
    const conflict = nameConflict(crd, resources);
    const stamp = ts(now());
    let changed: boolean;
    if (conflict) {
      changed = setCondition(crd, { type: 'NamesAccepted', status: 'False', reason: 'NameConflict', message: conflict }, stamp);
      changed = setCondition(crd, { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' }, stamp) || changed;
      if (changed) await writeStatus(crd);
      return;
    }
    await install(crd);
    const status = crd.status!;
    const accepted = { ...crd.spec.names };
    changed = JSON.stringify(status.acceptedNames) !== JSON.stringify(accepted);
    status.acceptedNames = accepted;
    changed = setCondition(crd, { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' }, stamp) || changed;
    changed = setCondition(crd, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }, stamp) || changed;
    if (changed) await writeStatus(crd);
  }

  /** the finalizer's work: every custom object deleted (all versions share the stored objects), then the finalizer goes */
  async function cleanup(crd: CustomResourceDefinition): Promise<void> {
    const name = crd.metadata!.name!;
    if (!crd.metadata?.finalizers?.includes(CLEANUP_FINALIZER) || cleaning.has(name)) return;
    cleaning.add(name);
    try {
      const spec = resources.byKind(crd.spec.group, crd.spec.names.kind);
      if (spec?.custom) {
        setCondition(crd, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' }, ts(now()));
        await writeStatus(crd);
        const gvr = gvrOf(spec);
        for (let round = 0; ; round++) {
          const left = await client.list(gvr, undefined);
          if (left.items.length === 0) break;
          for (const o of left.items) {
            await client.delete(gvr, o.metadata?.namespace, o.metadata?.name ?? '', {}).catch((err: unknown) => {
              if (!isStatusError(err, 'NotFound')) throw err; // gone meanwhile
            });
          }
          // objects with finalizers of their own stay until those are done
          if (round > 0) await new Promise((r) => setTimeout(r, 500));
          if (signal.aborted) return;
        }
      }
      const cur = asCrd(await client.get(R.customresourcedefinitions, undefined, name));
      const finalizers = (cur.metadata?.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
      await client.update(R.customresourcedefinitions, undefined, { ...cur, metadata: { ...cur.metadata, finalizers } } as unknown as KObject, { fieldManager: FIELD_MANAGER });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) log.warn(`cleaning up ${name}: ${(err as Error).message ?? err}`);
    } finally {
      cleaning.delete(name);
    }
  }

  function forget(crd: CustomResourceDefinition): void {
    const name = crd.metadata!.name!;
    installed.delete(name);
    resources.replace(name, []);
  }

  const handle = (crd: CustomResourceDefinition) =>
    reconcile(crd).catch((err: unknown) => log.warn(`CustomResourceDefinition ${crd.metadata?.name}: ${(err as Error).message ?? err}`));

  while (!signal.aborted) {
    try {
      const list = await client.list(R.customresourcedefinitions, undefined);
      const present = new Set(list.items.map((o) => o.metadata?.name));
      for (const name of [...installed.keys()]) if (!present.has(name)) forget({ metadata: { name } } as CustomResourceDefinition);
      // names first: the CRDs already established keep their names (the older one wins a conflict)
      const sorted = list.items.map(asCrd).sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? ''));
      for (const crd of sorted) await handle(crd);
      opts.ready?.();
      for await (const ev of client.watch(R.customresourcedefinitions, undefined, { resourceVersion: list.metadata.resourceVersion }, signal)) {
        if (ev.type === 'DELETED') forget(asCrd(ev.object));
        else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') void handle(asCrd(ev.object));
        else if (ev.type === 'ERROR') break;
      }
    } catch (err) {
      if (signal.aborted) return;
      log.warn(`watching CustomResourceDefinitions: ${(err as Error).message ?? err}; again in 1 s`);
    }
    if (!signal.aborted) await new Promise((r) => setTimeout(r, 1000));
  }
}
