// The compose room's front door: load a project from compose files (model/), and what the operations need
// of the model. The contract is ./types.ts.
export type * from './types.ts';
export { LABEL } from './types.ts';
export { loadProject } from './model/project.ts';
export { renderConfig, serviceConfigForHash } from './model/render.ts';
export { serviceOrder } from './model/order.ts';
export { ComposeError } from './model/errors.ts';
