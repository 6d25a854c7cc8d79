// Fixtures for this room's tests: a Rest over a fresh SQLite store in a private temp dir, with the real patcher,
// started and bootstrapped; cleanup() closes both and removes the dir.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createSqliteStore } from '../../store/index.ts';
import type { Store } from '../../store/types.ts';
import { createOpenApiDocs } from '../openapi/index.ts';
import { createPatcher } from '../patch/index.ts';
import type { Patcher } from '../patch/types.ts';
import { resources } from '../../types/registry.ts';
import type { KObject } from '../../types/meta.ts';
import type { Rest, RestOptions } from './types.ts';
import { createRest, type RestTuning } from './index.ts';
import { admissionPlugins, serviceAccountAdmission } from '../admission/index.ts';

let sharedPatcher: Patcher | undefined;
export const testPatcher = (): Patcher => (sharedPatcher ??= createPatcher(createOpenApiDocs()));

export interface TestRest {
  rest: Rest;
  store: Store;
  dir: string;
  cleanup(): Promise<void>;
}

export async function startTestRest(opts: Partial<RestOptions> & RestTuning & { bootstrap?: boolean } = {}): Promise<TestRest> {
  const dir = await mkdtemp('/var/tmp/skiff-rest-test-');
  const store = opts.store ?? createSqliteStore(join(dir, 'state.db'));
  // no ServiceAccount controller runs here: without its plugin (as kube's integration tests run), pods need no account
  const admission = opts.admission ?? admissionPlugins.filter((p) => p !== serviceAccountAdmission);
  const rest = createRest({ resources, patcher: testPatcher(), ...opts, admission, store });
  await rest.start();
  if (opts.bootstrap !== false) await rest.bootstrap({ address: '10.0.0.1', port: 6443 });
  return {
    rest,
    store,
    dir,
    async cleanup() {
      await rest.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const pod = (name: string, extra: { labels?: Record<string, string>; nodeName?: string; namespace?: string } = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...(extra.namespace ? { namespace: extra.namespace } : {}), ...(extra.labels ? { labels: extra.labels } : {}) },
  spec: { containers: [{ name: 'c', image: 'busybox:1' }], ...(extra.nodeName ? { nodeName: extra.nodeName } : {}) },
});

/** collects watch events until `until` says stop (or the timeout), then aborts the watch */
export async function collect<T>(iter: AsyncIterable<T>, ac: AbortController, until: (seen: T[]) => boolean, timeoutMs = 10_000): Promise<T[]> {
  const seen: T[] = [];
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    for await (const e of iter) {
      seen.push(e);
      if (until(seen)) break;
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return seen;
}
