// The history room: ControllerRevisions shared by the DaemonSet and StatefulSet controllers (pkg/controller/history).
export {
  revisionHashLabel, templatePatch, templateOf, hashRevisionData, revisionName, sortRevisions, nextRevision,
  equalRevisions, newRevision, createRevision, renumberRevision, truncateHistory, fnv32a, safeEncode,
} from './revisions.ts';
export type { Revision, RevisionOwner } from './revisions.ts';
