// The build room's front door. context/: receiving a build context, .dockerignore, COPY/ADD sources, their cache hash.
export * from './context/index.ts';
