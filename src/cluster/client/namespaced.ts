// A view of a client whose list and watch see one namespace only, so an informer made over it caches that
// namespace alone (client-go's informers.WithNamespace); every other verb passes through unchanged.
import type { ApiClient } from './types.ts';

export function namespacedClient(client: ApiClient, namespace: string): ApiClient {
  return {
    ...client,
    get: client.get.bind(client),
    create: client.create.bind(client),
    update: client.update.bind(client),
    patch: client.patch.bind(client),
    delete: client.delete.bind(client),
    deleteCollection: client.deleteCollection.bind(client),
    list: (r, _ns, o) => client.list(r, namespace, o),
    watch: (r, _ns, o, signal) => client.watch(r, namespace, o, signal),
  };
}
