// docker compose's progress lines as its plain mode prints them (`--progress plain`, or no terminal):
// ` Container p-web-1  Started`, one per step, on stderr.
import type { OpsContext } from './context.ts';

export type ObjectKind = 'Network' | 'Volume' | 'Container' | 'Service' | 'Image';

export function say(ctx: OpsContext, kind: ObjectKind, name: string, status: string): void {
  ctx.progress.write(` ${kind} ${name}  ${status}\n`);
}

/** ` web Pulling` (pulls are reported by service, as docker compose does) */
export function sayService(ctx: OpsContext, service: string, status: string): void {
  ctx.progress.write(` ${service} ${status}\n`);
}
