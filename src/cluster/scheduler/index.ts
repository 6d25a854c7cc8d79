// The scheduler room's front door: the default scheduler, and the pod-fits-node predicates (taints,
// tolerations, node affinity) that the node lifecycle and DaemonSet controllers share with it.
export { createScheduler } from './scheduler.ts';
export type { SchedulerOptions } from './scheduler.ts';
export {
  taintKeys, toleratesTaint, isTolerated, untoleratedTaint, matchesNodeSelectorTerm,
  podMatchesNodeSelectorAndAffinity, preferredAffinityWeight, targetNodeName,
} from './predicates.ts';
export { unschedulableMessage, reasons as unschedulableReasons } from './plugins.ts';
export { claimClass, findVolumeFor, isPreBoundTo, volumeFitsNode } from './volume-match.ts';
