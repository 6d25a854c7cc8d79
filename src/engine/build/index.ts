// The build room's front door. context/: receiving a build context, .dockerignore, COPY/ADD sources, their cache hash.
// dockerfile/: Dockerfile text → typed stages and instructions, docker's expansion and stage resolution.
// builder/: the BuildService: runs a plan step by step (RUN in containers, COPY on snapshots), the step cache.
export * from './context/index.ts';
export * from './dockerfile/index.ts';
export { createBuildService, type BuildServiceOptions } from './builder/service.ts';
