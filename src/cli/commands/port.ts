// `skiff port CONTAINER [PRIVATE_PORT[/PROTO]]`: the container's published ports, as docker prints them
// (`80/tcp -> 0.0.0.0:32768`, naturally sorted), read from the inspect document's NetworkSettings.Ports.
import { type Command, enc, CliError } from '../core.ts';
import { joinHostPort, naturalCompare } from './port-spec.ts';

type PortMap = Record<string, Array<{ HostIp: string; HostPort: string }> | null>;

/** The lines `docker port` prints for `ports`, all of them or those of one `PRIVATE_PORT[/PROTO]`. */
export function portLines(ports: PortMap, container: string, wanted?: string): string[] {
  const out: string[] = [];
  if (wanted !== undefined) {
    const slash = wanted.indexOf('/');
    const port = slash < 0 ? wanted : wanted.slice(0, slash);
    const proto = (slash < 0 ? '' : wanted.slice(slash + 1)) || 'tcp';
    if (!/^\d+$/.test(port) || Number(port) > 65535) {
      const why = /^\d+$/.test(port) ? 'value out of range' : 'invalid syntax';
      throw new CliError(`Error: invalid port (${port}): strconv.ParseUint: parsing ${JSON.stringify(port)}: ${why}`, 1);
    }
    const frontends = ports[`${port}/${proto}`];
    if (!frontends?.length) throw new CliError(`Error: No public port '${wanted}' published for ${container}`, 1);
    for (const f of frontends) out.push(joinHostPort(f.HostIp, f.HostPort));
  } else {
    for (const [from, frontends] of Object.entries(ports)) for (const f of frontends ?? []) out.push(`${from} -> ${joinHostPort(f.HostIp, f.HostPort)}`);
  }
  return out.sort(naturalCompare);
}

export const port: Command = {
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  summary: 'List port mappings or a specific mapping for the container',
  flags: [],
  args: { min: 1, max: 2 },
  async run(ctx, p) {
    const [container, wanted] = p.args;
    const info = await ctx.api().json<{ NetworkSettings?: { Ports?: PortMap | null } }>('GET', `/containers/${enc(container)}/json`);
    const lines = portLines(info.NetworkSettings?.Ports ?? {}, container, wanted);
    if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
  },
};
