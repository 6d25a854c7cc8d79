// Which events a `/events?filters=…` subscriber gets, by moby's rules (daemon/events/filter.go): every key
// given must match; container/network/volume/daemon match the actor's id or name by prefix; image matches
// the image (id, name, or name without its tag); label is key or key=value over the actor's attributes.
import type { EventMessage } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { familiarName, parseReference } from '../images/index.ts';

export type EventFilters = Record<string, string[]>;

const acceptedKeys = new Set(['config', 'container', 'daemon', 'event', 'image', 'label', 'network', 'node', 'plugin', 'scope', 'secret', 'service', 'type', 'volume']);

/** Refuse keys docker does not know, with its wording. */
export function checkEventFilters(f: EventFilters): void {
  for (const key of Object.keys(f)) if (!acceptedKeys.has(key)) throw invalidArgument(`invalid filter '${key}'`);
}

const exact = (values: string[] | undefined, v: string) => !values?.length || values.includes(v);
const fuzzy = (values: string[] | undefined, v: string) => exact(values, v) || values!.some((p) => v.startsWith(p));

// health_status, exec_create and exec_start carry the command or the status after a colon (moby #25798)
const prefixedActions = new Set(['health_status', 'exec_create', 'exec_start']);

function matchAction(values: string[] | undefined, action: string): boolean {
  if (values?.some((v) => prefixedActions.has(v))) return fuzzy(values, action);
  return exact(values, action);
}

/** The actor's id or name (by prefix), for the filter key named after an event type. */
function matchName(f: EventFilters, key: string, m: EventMessage): boolean {
  const values = f[key];
  if (!values?.length) return true;
  return fuzzy(values, m.Actor.ID) || fuzzy(values, m.Actor.Attributes.name ?? '');
}

function withoutTag(image: string): string {
  try {
    return familiarName(parseReference(image));
  } catch {
    return image; // an id or a name docker would not parse either: compared as it is
  }
}

function matchImage(values: string[] | undefined, m: EventMessage): boolean {
  if (!values?.length) return true;
  const name = m.Actor.Attributes[m.Type === 'image' ? 'name' : 'image'] ?? '';
  return [m.Actor.ID, name, withoutTag(m.Actor.ID), withoutTag(name)].some((v) => values.includes(v));
}

function matchLabels(values: string[] | undefined, attrs: Record<string, string>): boolean {
  if (!values?.length) return true;
  return values.every((l) => {
    const eq = l.indexOf('=');
    const key = eq < 0 ? l : l.slice(0, eq);
    return key in attrs && (eq < 0 || attrs[key] === l.slice(eq + 1));
  });
}

export function eventMatches(f: EventFilters | undefined, m: EventMessage): boolean {
  if (!f) return true;
  return matchAction(f.event, m.Action) &&
    exact(f.type, m.Type) &&
    exact(f.scope, m.scope) &&
    ['daemon', 'container', 'plugin', 'volume', 'network', 'node', 'service', 'secret', 'config'].every((k) => matchName(f, k, m)) &&
    matchImage(f.image, m) &&
    matchLabels(f.label, m.Actor.Attributes);
}
