// The CLI's shared core: what every verb needs to parse its flags and talk to the daemon.
// One door on purpose: esbuild puts the modules reached by the same set of verbs into one chunk, so a verb
// that imports only this loads one shared file instead of six (start-up time is the CLI's budget).
export * from './args.ts';
export * from './errors.ts';
export * from './http.ts';
export * from './command.ts';
export { frame, frameDemuxer } from '../lib/stdcopy.ts';
export * from './stdio.ts';
export * from './env.ts';
export { parseBytes, parseDuration, humanDuration } from '../lib/units.ts';
export { VERSION } from './version.ts';
