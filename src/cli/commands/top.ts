// `skiff top CONTAINER [ps OPTIONS]`: the daemon runs ps for the container's processes.
import { type Command, enc } from '../core.ts';
import { tabulate } from '../format.ts';

export const top: Command = {
  usage: 'CONTAINER [ps OPTIONS]',
  summary: 'Display the running processes of a container',
  flags: [],
  args: { min: 1 },
  interspersed: false,
  async run(ctx, p) {
    const [name, ...psArgs] = p.args;
    const r = await ctx.api().json<{ Titles: string[]; Processes: string[][] | null }>('GET', `/containers/${enc(name)}/top`, {
      query: { ps_args: psArgs.length ? psArgs.join(' ') : undefined },
    });
    // docker's top table: tabwriter with a minimum cell width of 20
    process.stdout.write(tabulate([r.Titles, ...(r.Processes ?? [])], 20, 3));
  },
};
