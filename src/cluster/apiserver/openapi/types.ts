// What the HTTP face serves under /openapi: documents for `kubectl explain`, field validation and apply.
export interface OpenApiDocs {
  /** GET /openapi/v3: { paths: { 'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=…' }, … } } */
  v3Root(): object;
  /** GET /openapi/v3/<path> (path like 'api/v1', 'apis/apps/v1'): JSON bytes and a hash for ETag/caching; undefined → 404 */
  v3Document(path: string): { json: Buffer; hash: string } | undefined;
  /** GET /openapi/v2 as JSON (undefined if not served) */
  v2Document(): { json: Buffer; hash: string } | undefined;
}
