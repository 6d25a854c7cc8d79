// Helpers for tests that need a registry: `startRegistryProcess` runs `skiff registry serve` on a free
// loopback port and a private root (stop() ends it by PID and removes the root), `makeOciLayout` builds an
// image as an OCI layout by hand (a rootfs tar as its one layer) for skopeo to push, and `skopeo` runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SKIFF, run, type RunResult } from './harness.ts';

export interface RegistryProcess {
  /** http://127.0.0.1:PORT (https:// with TLS) */
  url: string;
  /** 127.0.0.1:PORT, as image references name it */
  host: string;
  root: string;
  proc: ChildProcess;
  /** output so far (stderr: the registry's log) */
  stderr(): string;
  /** SIGTERM, wait for the exit; keepRoot leaves the root for another start */
  stop(opts?: { keepRoot?: boolean }): Promise<void>;
  /** SIGKILL (a crash), wait for the exit; the root stays */
  kill(): Promise<void>;
}

export interface RegistryStartOptions {
  /** reuse a root (a restart after kill) */
  root?: string;
  /** more `skiff registry serve` flags: --htpasswd F, --token-realm /token, --anonymous-read, --tls-cert … */
  args?: string[];
  /** listen on this port (a restart on the same address) */
  port?: number;
  /** SKIFF_LOG=debug logs every request (method, url, status, ms) to stderr() */
  debug?: boolean;
}

export async function startRegistryProcess(opts: RegistryStartOptions = {}): Promise<RegistryProcess> {
  const root = opts.root ?? mkdtempSync('/tmp/skiff-registry-');
  const proc = spawn(SKIFF, ['registry', 'serve', '--addr', `127.0.0.1:${opts.port ?? 0}`, '--root', root, ...(opts.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'], env: opts.debug ? { ...process.env, SKIFF_LOG: 'debug' } : process.env });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`registry did not start in 15 s: ${err}`)), 15_000);
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`registry exited (${code}) before listening: ${err}`));
    });
  });
  return {
    url,
    host: new URL(url).host,
    root,
    proc,
    stderr: () => err,
    async stop(o = {}) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
      if (!o.keepRoot && !opts.root) await rm(root, { recursive: true, force: true });
    },
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export interface OciImage {
  dir: string;
  manifestDigest: string;
  layerDigests: string[];
  configDigest: string;
}

/**
 * An OCI image layout at `dir` with one manifest tagged `tag`: each layer a tar given as a file path or
 * bytes (stored uncompressed, so its digest is its diff id), and a config for linux/amd64 running `cmd`.
 */
export async function makeOciLayout(dir: string, tag: string, layers: (string | Buffer)[], cmd = ['sh']): Promise<OciImage> {
  await mkdir(join(dir, 'blobs/sha256'), { recursive: true });
  const put = async (bytes: Buffer | string) => {
    const hex = sha256(bytes);
    await writeFile(join(dir, 'blobs/sha256', hex), bytes);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(bytes) };
  };
  const layerDescs = [];
  for (const layer of layers) {
    const bytes = typeof layer === 'string' ? readFileSync(layer) : layer;
    layerDescs.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...(await put(bytes)) });
  }
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: cmd, Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
    rootfs: { type: 'layers', diff_ids: layerDescs.map((l) => l.digest) },
    history: layerDescs.map(() => ({ created_by: 'skiff test layer' })),
  });
  const configDesc = { mediaType: 'application/vnd.oci.image.config.v1+json', ...(await put(config)) };
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configDesc, layers: layerDescs });
  const manifestDesc = await put(manifest);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifestDesc, annotations: { 'org.opencontainers.image.ref.name': tag } }],
  }));
  return { dir, manifestDigest: manifestDesc.digest, layerDigests: layerDescs.map((l) => l.digest), configDigest: configDesc.digest };
}

export function skopeo(args: string[], timeoutMs = 120_000): Promise<RunResult> {
  return run('skopeo', args, { timeoutMs });
}
