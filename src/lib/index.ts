export * from './errors.ts';
export * from './atomic.ts';
export * from './log.ts';
export * from './units.ts';
export * from './ids.ts';
