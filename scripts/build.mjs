// Bundle the CLI (and, as a lazily loaded chunk, the daemon) so `skiff` starts fast.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { skiff: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node26',
  outExtension: { '.js': '.mjs' },
  sourcemap: 'linked',
  logLevel: 'warning',
  // CommonJS dependencies bundled into ESM need a require()
  banner: { js: "import { createRequire as __skiffRequire } from 'node:module'; const require = __skiffRequire(import.meta.url);" },
});

// conmon's attach socket is AF_UNIX SOCK_SEQPACKET, which Node cannot open: a tiny C relay bridges it to pipes.
execFileSync('gcc', ['-O2', '-Wall', '-o', 'dist/skiff-attach-relay', 'src/engine/containers/attach-relay.c'], {
  cwd: fileURLToPath(new URL('..', import.meta.url)),
  stdio: 'inherit',
});
