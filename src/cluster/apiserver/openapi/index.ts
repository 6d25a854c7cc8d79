// Front door of the OpenAPI room: the vendored Kubernetes v1.32 OpenAPI v3 documents (served under
// /openapi/v3) and the schema index that patching and field validation walk.
//
// What kubectl 1.32 fetches (checked by pointing kubectl v1.32.4 at a logging stub server, and in
// staging/src/k8s.io/kubectl + client-go/openapi3 + cli-runtime/pkg/resource/query_param_verifier_v3.go):
// - `kubectl apply` (client-side), `create`, `replace`, `apply --server-side`, `explain`: GET /openapi/v3
//   (JSON root `{paths: {"apis/apps/v1": {serverRelativeURL: "/openapi/v3/apis/apps/v1?hash=…"}}}`), then
//   GET the serverRelativeURL of the object's group-version only (Accept: application/json). The `?hash=`
//   is the document's SHA-512 in upper-case hex (kube-openapi's ETag); clients cache by that URL.
// - /openapi/v2 is never requested by these commands in 1.32 (the OpenAPIV3 feature is on by default;
//   v2, as protobuf, is only a fallback when /openapi/v3 is missing). v2Document() is the JSON Swagger 2.0
//   document made from the v3 ones (./v2.ts) for clients that ask for it; protobuf v2 stays an empty document.
// - Field validation: kubectl sends `fieldValidation=Strict` (default --validate=strict) after deciding the
//   server supports it: queryParamVerifierV3.HasSupport(gvk) loads the group-version's v3 document and looks
//   for a path whose PATCH operation carries x-kubernetes-group-version-kind == gvk and a `fieldValidation`
//   query parameter. Kubernetes' own documents have it, so the server must then reject unknown fields
//   (Strict) itself: kubectl does no client-side check. `--validate=false` sends fieldValidation=Ignore
//   without fetching any OpenAPI.
// - Client-side apply builds its strategic merge patch from the v3 schema's x-kubernetes-patch-merge-key /
//   x-kubernetes-patch-strategy (falling back to compiled-in types), e.g. for an image change of a
//   2-container Deployment: {"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},
//   {"name":"side"}],"containers":[{"image":"nginx:2","name":"web"}]}}}}.
// - `kubectl explain` reads the GVK's schema from the v3 document (descriptions included: keep them).
//
// Bundling: the data lives in ./data (manifest.json + *.json.gz, ~340 KB). createOpenApiDocs({ dataDir })
// reads it from there (default: the data folder beside this module, resolved from import.meta.dirname);
// a bundle must copy ./data and pass its location.
export { createOpenApiDocs, openApiDocsFrom, type OpenApiDocsOptions } from './docs.ts';
export { createDocumentStore, defaultDataDir, documentHash, type DocumentStore, type Manifest, type SchemaObject } from './store.ts';
export { createSchemaIndex, type SchemaIndex, type SchemaNode, type StructNode, type MapNode, type ListNode, type ScalarNode, type AnyNode } from './schema.ts';
export type { OpenApiDocs } from './types.ts';
