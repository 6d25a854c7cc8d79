// `skiff registry serve` (the OCI distribution server, foreground) and `skiff registry gc` (sweep blobs
// nothing references; safe while the registry runs).
import { type Command, CliError, parseDuration } from '../core.ts';

const DEFAULT_ROOT = '/var/lib/skiff/registry';

export const registryServe: Command = {
  usage: '[OPTIONS]',
  summary: 'Run an OCI distribution registry in the foreground',
  flags: [
    { name: 'addr', type: 'string', help: 'Address to listen on (host:port; port 0 picks a free port)', def: '127.0.0.1:5000' },
    { name: 'root', type: 'string', help: 'Directory for blobs, repositories and uploads', def: DEFAULT_ROOT },
    { name: 'tls-cert', type: 'string', help: 'Serve HTTPS with this PEM certificate (needs --tls-key)' },
    { name: 'tls-key', type: 'string', help: 'PEM private key of --tls-cert' },
    { name: 'htpasswd', type: 'string', help: 'Require users from this htpasswd file (bcrypt entries: htpasswd -B)' },
    { name: 'token-realm', type: 'string', help: 'Use bearer tokens, issued by this process at this URL (or path, e.g. /token)' },
    { name: 'token-service', type: 'string', help: 'Service name tokens are issued for', def: 'skiff-registry' },
    { name: 'token-ttl', type: 'string', value: 'duration', help: 'Lifetime of issued tokens', def: '5m' },
    { name: 'anonymous-read', type: 'bool', help: 'Let clients without credentials pull' },
    { name: 'max-uploads', type: 'string', value: 'int', help: 'Uploads receiving bytes at once; more are answered 429 (clients retry)', def: '128' },
  ],
  args: { max: 0 },
  async run(_ctx, p) {
    const certFile = p.str('tls-cert');
    const keyFile = p.str('tls-key');
    if ((certFile === undefined) !== (keyFile === undefined)) throw new CliError('--tls-cert and --tls-key go together', 125);
    const ttl = p.str('token-ttl');
    const maxUploads = Number(p.str('max-uploads') ?? '128');
    if (!Number.isInteger(maxUploads) || maxUploads < 1) throw new CliError(`invalid --max-uploads "${p.str('max-uploads')}": use a whole number of 1 or more`, 125);
    const { startRegistry } = await import('../../registry/index.ts');
    let reg;
    try {
      reg = await startRegistry({
        root: p.str('root') ?? DEFAULT_ROOT,
        addr: p.str('addr'),
        tlsCert: certFile,
        tlsKey: keyFile,
        htpasswd: p.str('htpasswd'),
        tokenRealm: p.str('token-realm'),
        tokenService: p.str('token-service'),
        tokenTtlSec: ttl ? Math.max(1, Math.round(parseDuration(ttl) / 1000)) : undefined,
        anonymousRead: p.bool('anonymous-read'),
        maxUploads,
      });
    } catch (err) {
      throw new CliError(`skiff registry: ${err instanceof Error ? err.message : String(err)}`, 1);
    }
    const running = reg;
    // handlers first: whoever reads the line below may signal at once
    const stopped = new Promise<void>((resolve) => {
      let signals = 0;
      const stop = () => {
        if (++signals > 1) process.exit(130);
        void running.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    process.stdout.write(`skiff registry: listening on ${reg.url}\n`);
    await stopped;
  },
};

export const registryGc: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove blobs that no manifest references',
  flags: [
    { name: 'root', type: 'string', help: "The registry's --root", def: DEFAULT_ROOT },
    { name: 'dry-run', type: 'bool', help: 'Only print what would be removed' },
    { name: 'min-age', type: 'string', value: 'duration', help: 'Keep unreferenced blobs younger than this (a push in progress uploads layers before its manifest)', def: '10m' },
  ],
  args: { max: 0 },
  async run(_ctx, p) {
    const { collectGarbage } = await import('../../registry/index.ts');
    const minAge = p.str('min-age');
    try {
      await collectGarbage(p.str('root') ?? DEFAULT_ROOT, {
        dryRun: p.bool('dry-run'),
        minAgeMs: minAge ? parseDuration(minAge) : undefined,
        report: (line) => process.stdout.write(line + '\n'),
      });
    } catch (err) {
      throw new CliError(`skiff registry gc: ${err instanceof Error ? err.message : String(err)}`, 1);
    }
  },
};
