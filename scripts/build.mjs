// Bundle the CLI so `skiff` starts fast, and the daemon on its own:
//   dist/skiff.cjs   the entry bin/skiff runs: loads cli.cjs through a per-verb V8 code cache (src/cli/launch.ts)
//   dist/cli.cjs     the whole CLI, CommonJS, one file (Node's ESM loader and extra files cost start-up time)
//   dist/daemon.mjs  the engine, ESM, imported by `skiff daemon` only
//   dist/cache/      code caches, written by the first successful run of each verb after a build
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
const common = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node26', sourcemap: 'linked', logLevel: 'warning' };

await build({
  ...common,
  // the layer unpack's worker thread (src/engine/snapshots/unpack.ts starts it from beside daemon.mjs)
  entryPoints: { daemon: 'src/engine/daemon.ts', 'unpack-worker': 'src/engine/snapshots/unpack-worker.ts' },
  outdir: 'dist',
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  // CommonJS dependencies bundled into ESM need a require()
  banner: { js: "import { createRequire as __skiffRequire } from 'node:module'; const require = __skiffRequire(import.meta.url);" },
});

// the control plane and simulated nodes, imported by `skiff server` / `skiff sim nodes` only
await build({
  ...common,
  entryPoints: { cluster: 'src/cluster/entry.ts' },
  outdir: 'dist',
  format: 'esm',
  // gRPC and protobufjs read files beside their own modules (__dirname): load them from node_modules
  external: ['etcd3', 'cockatiel', '@grpc/*', 'protobufjs', 'protobufjs/*'],
  outExtension: { '.js': '.mjs' },
  banner: { js: "import { createRequire as __skiffRequire } from 'node:module'; const require = __skiffRequire(import.meta.url);" },
});
// the node agent (engine + runtime + kubelet in one process), imported by `skiff agent` only
await build({
  ...common,
  entryPoints: { agent: 'src/agent/index.ts' },
  outdir: 'dist',
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  banner: { js: "import { createRequire as __skiffRequire } from 'node:module'; const require = __skiffRequire(import.meta.url);" },
});
// vendored data, found next to the module that reads it (import.meta.dirname + '/data' or '/proto'): the
// OpenAPI documents and the Kubernetes .proto files (for the protobuf request bodies kubectl sends)
for (const [from, to] of [['openapi/data', 'data'], ['protobuf/proto', 'proto']]) {
  await cp(new URL(`../src/cluster/apiserver/${from}`, import.meta.url), new URL(`../dist/${to}`, import.meta.url), { recursive: true });
}

await build({
  ...common,
  entryPoints: { cli: 'src/cli/cli.ts' },
  outdir: 'dist',
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  // import.meta does not exist in CommonJS: the CLI must not use it
  logOverride: { 'empty-import-meta': 'error' },
  // less source to read and hash at every start (names are kept: stack traces stay readable with -D);
  // ASCII only, so the launcher can read it as latin1 (no UTF-8 decoding)
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  plugins: [
    {
      // the daemon stays out of the CLI bundle: `skiff daemon` imports dist/daemon.mjs
      name: 'daemon-apart',
      setup(b) {
        b.onResolve({ filter: /\/engine\/daemon\.ts$/ }, () => ({ path: './daemon.mjs', external: true }));
        b.onResolve({ filter: /\/cluster\/entry\.ts$/ }, () => ({ path: './cluster.mjs', external: true }));
        b.onResolve({ filter: /\/agent\/index\.ts$/ }, () => ({ path: './agent.mjs', external: true }));
      },
    },
  ],
});

const cliBundle = await readFile(new URL('../dist/cli.cjs', import.meta.url));
if (cliBundle.some((b) => b > 0x7f)) throw new Error('dist/cli.cjs is not ASCII: src/cli/launch.ts reads it as latin1');
// caches are named after the bundle they were made from, so a stale one is never used
const buildId = createHash('sha256').update(cliBundle).digest('hex').slice(0, 16);
await build({
  ...common,
  entryPoints: { skiff: 'src/cli/launch.ts' },
  outdir: 'dist',
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  sourcemap: false,
  define: { SKIFF_BUILD_ID: JSON.stringify(buildId) },
});
await mkdir(new URL('../dist/cache', import.meta.url), { mode: 0o755 });

// conmon's attach socket is AF_UNIX SOCK_SEQPACKET, which Node cannot open: a tiny C relay bridges it to pipes.
execFileSync('gcc', ['-O2', '-Wall', '-o', 'dist/skiff-attach-relay', 'src/engine/containers/attach-relay.c'], {
  cwd: root,
  stdio: 'inherit',
});
// a pod sandbox's pause process (engine/runtime: the skiff/pause:1 image is this one static file), and the
// relay that opens a TCP connection inside a pod's network namespace for port-forward
execFileSync('gcc', ['-O2', '-Wall', '-static', '-s', '-o', 'dist/skiff-pause', 'src/engine/runtime/pause.c'], { cwd: root, stdio: 'inherit' });
execFileSync('gcc', ['-O2', '-Wall', '-o', 'dist/skiff-netns-connect', 'src/engine/runtime/netns-connect.c'], { cwd: root, stdio: 'inherit' });
