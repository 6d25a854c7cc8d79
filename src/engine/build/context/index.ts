// The build context room: receiving a context tar, .dockerignore, resolving COPY/ADD sources, and the
// content hash the build cache keys COPY/ADD steps on. Nothing here runs containers.
//
// How a build uses it (POST /build):
//   const received = await receiveContext(req, engineRoot, signal);        // <root>/build/contexts/<id>/
//   try {
//     const ctx = openBuildContext(received.dir, dockerfileParam);          // + <Dockerfile>.dockerignore | .dockerignore
//     // per COPY/ADD (local sources only; URLs and --from are the builder's):
//     const sel = await resolveCopySources(ctx, srcs, dest, 'COPY');        // throws 'COPY failed: …' as docker
//     const key = await hashCopySources(sel);                               // cache key part: no mtimes, streamed
//     // on a miss: copy sel.sources[i].entries (rel below the source; dir sources stand for their contents)
//   } finally {
//     await received.remove();                                              // whatever the outcome
//   }
// At daemon start, removeStaleContexts(engineRoot) drops contexts a crash left behind.
// For COPY --from=<stage|image>, the same resolver works on that rootfs: { dir, ignore: compileIgnore([]) }.
export { receiveContext, removeStaleContexts, contextsDir, type ReceivedContext } from './receive.ts';
export { parseIgnoreFile, compileIgnore, readIgnorePatterns, keepBuildFiles, type IgnoreMatcher } from '../../../lib/dockerignore.ts';
export { goMatch, hasWildcards } from './glob.ts';
export { openBuildContext, resolveCopySources, type BuildContext, type ContextEntry, type ResolvedSource, type CopySelection } from './sources.ts';
export { hashCopySources } from './hash.ts';
