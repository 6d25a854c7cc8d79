// Events: what happened in the engine (docker's `/events`), from the rooms' `EventSink.emit` to streams.
export { createEventBus, historyLimit, nowNs, pastEvents } from './bus.ts';
export type { EventBusOptions } from './bus.ts';
export { checkEventFilters, eventMatches } from './filter.ts';
export type { EventFilters } from './filter.ts';
