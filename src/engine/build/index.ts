// The build room's front door. context/: receiving a build context, .dockerignore, COPY/ADD sources, their cache hash.
// dockerfile/: Dockerfile text → typed stages and instructions, docker's expansion and stage resolution.
export * from './context/index.ts';
export * from './dockerfile/index.ts';
