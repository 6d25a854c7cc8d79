// The namespace controller's front door.
export { createNamespaceController, namespaceFinalizer } from './controller.ts';
export type { NamespaceControllerOptions } from './controller.ts';
