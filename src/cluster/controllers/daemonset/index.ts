// The daemonset room: the DaemonSet controller (one pod per eligible node, ControllerRevisions, rolling updates).
export { createDaemonSetController } from './controller.ts';
export { nodeShouldRun, newDaemonPod, daemonTolerations, templateHash } from './pods.ts';
