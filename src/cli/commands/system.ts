// `skiff version` and `skiff info`, laid out as docker's.
import { type Command, API_VERSION, VERSION } from '../core.ts';
import { binarySize, jsonFormatHelp } from '../format.ts';
import { parseTemplate } from '../template.ts';

interface ServerVersion {
  Platform?: { Name?: string };
  Version?: string;
  ApiVersion?: string;
  MinAPIVersion?: string;
  GitCommit?: string;
  GoVersion?: string;
  Os?: string;
  Arch?: string;
  KernelVersion?: string;
  BuildTime?: string;
  Experimental?: boolean;
  Components?: Array<{ Name: string; Version: string; Details?: Record<string, string> }>;
}

const formatFlag = { name: 'format', short: 'f', type: 'string' as const, help: jsonFormatHelp };
const arch = () => (process.arch === 'x64' ? 'amd64' : process.arch);

export const version: Command = {
  usage: '[OPTIONS]',
  summary: 'Show the skiff version information',
  flags: [formatFlag],
  args: { max: 0 },
  async run(ctx, p) {
    const client = { Version: VERSION, ApiVersion: API_VERSION, DefaultAPIVersion: API_VERSION, NodeVersion: process.version, Os: process.platform, Arch: arch() };
    let server: ServerVersion | undefined;
    let failure: Error | undefined;
    try {
      server = await ctx.api().json<ServerVersion>('GET', '/version');
    } catch (err) {
      failure = err as Error;
    }
    const format = p.str('format');
    if (format) {
      const data = { Client: client, Server: server ?? null };
      process.stdout.write(format === 'json' ? `${JSON.stringify(data)}\n` : `${parseTemplate(format).execute(data)}\n`);
    } else {
      const line = (k: string, v: unknown, indent = ' ') => `${indent}${`${k}:`.padEnd(indent.length > 1 ? 18 : 19)}${v ?? ''}\n`;
      let out = 'Client:\n' + line('Version', VERSION) + line('API version', API_VERSION) + line('Node version', process.version) + line('OS/Arch', `linux/${arch()}`);
      if (server) {
        out += `\nServer:${server.Platform?.Name ? ` ${server.Platform.Name}` : ''}\n Engine:\n`;
        out += line('Version', server.Version, '  ') + line('API version', `${server.ApiVersion}${server.MinAPIVersion ? ` (minimum version ${server.MinAPIVersion})` : ''}`, '  ');
        if (server.GoVersion) out += line('Go version', server.GoVersion, '  ');
        out += line('Git commit', server.GitCommit, '  ') + line('Built', server.BuildTime, '  ') + line('OS/Arch', `${server.Os}/${server.Arch}`, '  ');
        out += line('Experimental', String(server.Experimental ?? false), '  ');
        for (const c of server.Components ?? []) {
          if (c.Name === 'Engine') continue;
          out += ` ${c.Name}:\n` + line('Version', c.Version, '  ');
          for (const [k, v] of Object.entries(c.Details ?? {})) if (k !== 'ApiVersion' && k !== 'MinAPIVersion') out += line(k, v, '  ');
        }
      }
      process.stdout.write(out);
    }
    if (failure) throw failure;
  },
};

type Info = Record<string, unknown> & {
  Containers?: number;
  ContainersRunning?: number;
  ContainersPaused?: number;
  ContainersStopped?: number;
  Images?: number;
  Runtimes?: Record<string, unknown>;
  MemTotal?: number;
};

export const info: Command = {
  usage: '[OPTIONS]',
  summary: 'Display system-wide information',
  flags: [formatFlag],
  args: { max: 0 },
  async run(ctx, p) {
    const i = await ctx.api().json<Info>('GET', '/info');
    const format = p.str('format');
    if (format) {
      process.stdout.write(format === 'json' ? `${JSON.stringify(i)}\n` : `${parseTemplate(format).execute(i)}\n`);
      return;
    }
    const rows: Array<[string, unknown, number?]> = [
      ['Containers', i.Containers],
      ['Running', i.ContainersRunning, 2],
      ['Paused', i.ContainersPaused, 2],
      ['Stopped', i.ContainersStopped, 2],
      ['Images', i.Images],
      ['Server Version', i.ServerVersion],
      ['Storage Driver', i.Driver],
      ['Logging Driver', i.LoggingDriver],
      ['Cgroup Driver', i.CgroupDriver],
      ['Cgroup Version', i.CgroupVersion],
      ['Runtimes', Object.keys(i.Runtimes ?? {}).join(' ')],
      ['Default Runtime', i.DefaultRuntime],
      ['Kernel Version', i.KernelVersion],
      ['Operating System', i.OperatingSystem],
      ['OSType', i.OSType],
      ['Architecture', i.Architecture],
      ['CPUs', i.NCPU],
      ['Total Memory', i.MemTotal !== undefined ? binarySize(i.MemTotal) : undefined],
      ['Name', i.Name],
      ['ID', i.ID],
      ['Docker Root Dir', i.DockerRootDir],
      ['Debug Mode', i.Debug ?? false],
      ['Experimental', i.ExperimentalBuild ?? false],
      ['Live Restore Enabled', i.LiveRestoreEnabled ?? false],
    ];
    let out = `Client:\n Version:    ${VERSION}\n Context:    default\n Debug Mode: false\n\nServer:\n`;
    for (const [k, v, indent = 1] of rows) if (v !== undefined && v !== '') out += `${' '.repeat(indent)}${k}: ${v}\n`;
    for (const w of (i.Warnings as string[] | undefined) ?? []) out += `${w}\n`;
    process.stdout.write(out);
  },
};
