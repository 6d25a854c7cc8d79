// The build context room: receiving a context tar, .dockerignore, resolving COPY/ADD sources, and the
// content hash the build cache keys COPY/ADD steps on. Nothing here runs containers.
export { receiveContext, removeStaleContexts, contextsDir, type ReceivedContext } from './receive.ts';
export { parseIgnoreFile, compileIgnore, readIgnorePatterns, keepBuildFiles, type IgnoreMatcher } from '../../../lib/dockerignore.ts';
export { goMatch, hasWildcards } from './glob.ts';
export { openBuildContext, resolveCopySources, type BuildContext, type ContextEntry, type ResolvedSource, type CopySelection } from './sources.ts';
export { hashCopySources } from './hash.ts';
