// CustomResourceDefinitions end to end: a CRD's served versions become kinds of the live set (specs.ts:
// pruning, defaulting and validation by each version's structural schema, conversion None between
// versions), their /openapi/v3 documents (openapi.ts), tables from additionalPrinterColumns
// (tables/custom.ts), and the controller keeping the set, the status and the cleanup (controller.ts).
export { runCrdController, type CrdControllerOptions } from './controller.ts';
export { withCustomResources } from './openapi.ts';
export { specsOf, compareVersions } from './specs.ts';
export { markCrdDeleting } from './lifecycle.ts';
export { CLEANUP_FINALIZER } from './types.ts';
