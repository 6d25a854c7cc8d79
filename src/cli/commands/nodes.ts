// `skiff nodes ls|stop|start|load|import`: the node hosts `skiff up --nodes N` made, by the cluster's --root.
// load/import hand images to the nodes' engines (each agent serves the Docker API on <root>/nodes/<name>/docker.sock),
// as `kind load docker-image` does: saved once from the local engine, loaded into each node's.
import { createReadStream, createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type Command, CliError, createClient, jsonMessages, readAll } from '../core.ts';
import { tabulate } from '../format.ts';
import type { ClusterLayout } from '../../cluster/entry.ts';

export const DEFAULT_CLUSTER_ROOT = '/var/lib/skiff/server';
const rootFlag = { name: 'root', type: 'string' as const, help: 'The cluster directory `skiff up` was given', def: DEFAULT_CLUSTER_ROOT };
const say = (msg: string) => process.stdout.write(`${msg}\n`);
const cluster = () => import('../../cluster/entry.ts');

/** how to run this program again: node, its flags, the main script */
export const selfArgv = () => [process.execPath, ...process.execArgv, process.argv[1]];

async function layoutOf(root: string | undefined): Promise<ClusterLayout> {
  const dir = resolve(root ?? DEFAULT_CLUSTER_ROOT);
  const l = (await cluster()).readLayout(dir);
  if (!l) throw new CliError(`no cluster at ${dir}: start one with 'skiff up --root ${dir}'`, 1);
  return l;
}

export const nodesLs: Command = {
  usage: '[OPTIONS]',
  summary: "List the cluster's node hosts",
  flags: [rootFlag],
  args: { max: 0 },
  async run(_ctx, p) {
    const l = await layoutOf(p.str('root'));
    const rows = await (await cluster()).nodeRows(l);
    const table = [['NAME', 'STATUS', 'AGENT', 'ADDRESS', 'POD CIDR', 'HOST']];
    for (const r of rows) table.push([r.name, r.status, r.agent ? `running (pid ${r.agent})` : 'stopped', r.ip, r.podCIDR, r.where]);
    process.stdout.write(tabulate(table));
  },
};

function eachNode(verb: string, act: (l: ClusterLayout, name: string) => Promise<string>): Command['run'] {
  return async (_ctx, p) => {
    const l = await layoutOf(p.str('root'));
    let failed = false;
    for (const name of p.args) {
      try {
        say(await act(l, name));
      } catch (err) {
        failed = true;
        process.stderr.write(`Error: ${verb} ${name}: ${(err as Error).message}\n`);
      }
    }
    if (failed) throw new CliError('', 1);
  };
}

export const nodesStop: Command = {
  usage: '[OPTIONS] NAME [NAME...]',
  summary: "Kill a node host's agent and its pods' processes (the node goes NotReady, its pods are evicted)",
  flags: [rootFlag],
  args: { min: 1 },
  run: eachNode('stop', async (l, name) => {
    const killed = await (await cluster()).stopNode(l, name);
    return `${name}: killed its agent and pods (${killed} processes)`;
  }),
};

export const nodesStart: Command = {
  usage: '[OPTIONS] NAME [NAME...]',
  summary: "Start a node host's agent again (it re-adopts or recreates its pods)",
  flags: [rootFlag],
  args: { min: 1 },
  run: eachNode('start', async (l, name) => {
    const pid = await (await cluster()).startNode(l, name, selfArgv());
    return `${name}: agent running (pid ${pid})`;
  }),
};

/** POST a tar to one node's engine; resolves with what it loaded */
async function loadInto(l: ClusterLayout, node: string, tar: string): Promise<string> {
  const api = createClient(`unix://${(await cluster()).nodeSocket(l.root, node)}`);
  const res = await api.request('POST', '/images/load', { query: { quiet: '1' }, body: createReadStream(tar), headers: { 'Content-Type': 'application/x-tar' } });
  const loaded: string[] = [];
  for await (const m of jsonMessages(res.body)) {
    const e = m.errorDetail as { message?: string } | undefined;
    if (e) throw new CliError(`${node}: ${e.message}`, 1);
    if (typeof m.stream === 'string') loaded.push(m.stream.trim());
  }
  return loaded.filter(Boolean).join('; ');
}

async function loadEverywhere(l: ClusterLayout, nodes: string[], tar: string): Promise<void> {
  const c = await cluster();
  for (const name of nodes) {
    const n = l.nodes.find((x) => x.name === name);
    if (!n) throw new CliError(`no node "${name}" in the cluster at ${l.root}`, 1);
    if (!c.agentPid(l, n)) throw new CliError(`${name}: its agent is not running ('skiff nodes start ${name}')`, 1);
    say(`${name}: ${await loadInto(l, name, tar)}`);
  }
}

export const nodesLoad: Command = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: "Copy images from the local engine to every node's engine",
  flags: [rootFlag, { name: 'nodes', type: 'list', help: 'Only these nodes (default: all)' }],
  args: { min: 1 },
  async run(ctx, p) {
    const l = await layoutOf(p.str('root'));
    const dir = join(l.root, 'run');
    mkdirSync(dir, { recursive: true });
    const tar = join(dir, `load-${process.pid}.tar`);
    try {
      const res = await ctx.api().request('GET', '/images/get', { query: { names: p.args } });
      if (res.status >= 400) throw new CliError((await readAll(res.body)).toString().trim(), 1);
      await pipeline(res.body, createWriteStream(tar));
      const only = p.list('nodes');
      await loadEverywhere(l, only.length ? only : l.nodes.map((n) => n.name), tar);
    } finally {
      rmSync(tar, { force: true });
    }
  },
};

export const nodesImport: Command = {
  usage: '[OPTIONS] TAR NAME',
  summary: "Load an image archive (docker save's format) into one node's engine",
  flags: [rootFlag],
  args: { min: 2, max: 2 },
  async run(_ctx, p) {
    const l = await layoutOf(p.str('root'));
    const [tar, name] = p.args;
    if (!statSync(tar, { throwIfNoEntry: false })) throw new CliError(`open ${tar}: no such file or directory`, 1);
    await loadEverywhere(l, [name], tar);
  },
};
