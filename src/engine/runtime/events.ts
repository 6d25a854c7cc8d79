// The runtime's container events (CRI GetContainerEvents) over the engine's event bus: a pod container's or
// sandbox's create, start, die and destroy become CONTAINER_{CREATED,STARTED,STOPPED,DELETED}_EVENT with the
// CRI labels it was made with. Engine containers that are not the runtime's (docker run on the node) are left out.
import type { EventMessage, EventService } from '../types.ts';
import type * as Cri from '../types/runtime.ts';
import { KIND, SANDBOX_ID, criLabels } from './labels.ts';

const types: Record<string, Cri.ContainerEventType> = {
  create: 'CONTAINER_CREATED_EVENT',
  start: 'CONTAINER_STARTED_EVENT',
  die: 'CONTAINER_STOPPED_EVENT',
  destroy: 'CONTAINER_DELETED_EVENT',
};

/** the CRI event an engine event means, or null when it is none (another action, not a pod's container) */
export function toContainerEvent(m: EventMessage): Cri.ContainerEvent | null {
  if (m.Type !== 'container') return null;
  const type = types[m.Action];
  const attrs = m.Actor.Attributes;
  const kind = attrs[KIND];
  if (!type || (kind !== 'sandbox' && kind !== 'container')) return null;
  return {
    containerId: m.Actor.ID,
    type,
    createdAt: Number(m.timeNano),
    podSandboxId: kind === 'sandbox' ? m.Actor.ID : (attrs[SANDBOX_ID] ?? ''),
    labels: criLabels(attrs),
  };
}

export function runtimeEvents(bus: Pick<EventService, 'subscribe'>): Cri.RuntimeEvents {
  return {
    containerEvents(listener) {
      return bus.subscribe((m) => {
        const e = toContainerEvent(m);
        if (e) listener(e);
      });
    },
  };
}
