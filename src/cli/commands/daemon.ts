// `skiff daemon`: the engine in the foreground (logs to stderr), until SIGINT/SIGTERM.
import { type Command, CliError, DEFAULT_HOST, stopSignal } from '../core.ts';

export const daemon: Command = {
  usage: '[OPTIONS]',
  summary: 'Run the engine (Docker API on a unix socket) in the foreground',
  flags: [
    { name: 'host', short: 'H', type: 'string', help: 'Socket to listen on', def: DEFAULT_HOST },
    { name: 'root', type: 'string', help: 'Root directory of persistent engine state', def: '/var/lib/skiff/engine' },
    { name: 'runtime', type: 'string', help: 'OCI runtime: crun, runc or auto', def: 'auto' },
    { name: 'bridge', type: 'string', help: 'Linux bridge of the default bridge network', def: 'skiff0' },
    { name: 'bip', type: 'string', help: 'Gateway address and prefix of the default bridge network', def: '10.99.0.1/16' },
    { name: 'default-address-pool', type: 'string', help: 'Where user networks without --subnet get theirs: base=CIDR,size=N', def: 'base=10.100.0.0/14,size=24' },
    { name: 'insecure-registry', type: 'list', help: 'Registry reached over plain HTTP (loopback ones are, unless certs-dir has a CA for them)' },
    { name: 'certs-dir', type: 'string', help: 'Registry CAs: DIR/<registry>/*.crt (the registry is then reached over TLS)', def: '/etc/docker/certs.d' },
    { name: 'push-compression', type: 'string', help: 'How pushed layers travel: gzip (every client reads it), zstd (faster, smaller; docker 23+), none', def: 'gzip' },
  ],
  args: { max: 0 },
  async run(ctx, p) {
    const runtime = p.str('runtime') ?? 'auto';
    if (runtime !== 'crun' && runtime !== 'runc' && runtime !== 'auto') throw new CliError(`invalid --runtime ${JSON.stringify(runtime)}: use crun, runc or auto`, 125);
    const compression = p.str('push-compression') ?? 'gzip';
    if (compression !== 'gzip' && compression !== 'zstd' && compression !== 'none') throw new CliError(`invalid --push-compression ${JSON.stringify(compression)}: use gzip, zstd or none`, 125);
    // where this CLI would connect, but never DOCKER_HOST: that is usually another engine's socket
    const host = p.str('host') ?? ctx.hostFlag ?? process.env.SKIFF_HOST ?? DEFAULT_HOST;
    const signal = stopSignal();
    const { runDaemon } = await import('../../engine/daemon.ts');
    await runDaemon({ root: p.str('root'), host, runtime, bridge: p.str('bridge'), bip: p.str('bip'), addressPool: p.str('default-address-pool'), insecureRegistries: p.list('insecure-registry'), certsDir: p.str('certs-dir'), pushCompression: compression, signal });
  },
};
