// The bundled CLI's entry (dist/skiff.cjs; CommonJS: Node's ESM loader costs several ms more to start).
// Start-up is the CLI's budget, and much of what is left after Node's own bootstrap is V8 compiling our
// functions. Node's compile cache (module.enableCompileCache) is taken when a file is compiled, before
// it runs, so the functions V8 compiles lazily are not in it and are compiled again on every start
// (measured: 96 KB of cache for this bundle, against 155 KB taken after a `run`; 3-4 ms per start). So
// this runs dist/cli.cjs through vm.Script with a code cache taken at the END of a successful run, one
// per verb (`run` and `ps` compile different functions), which holds everything that verb compiled.
//
// The cache lives in dist/cache/ (made by scripts/build.mjs, wiped by the next build) and is named after
// the bundle's content hash, so a cache can only ever be used with the bundle it was made from (V8 itself
// checks only the source's length, its version and its flags). When the directory is not writable
// (another user), the CLI runs without a cache.
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { Script, constants } from 'node:vm';
import { cacheKey } from './cache-key.ts';

declare const SKIFF_BUILD_ID: string;

type CliModule = { cli(argv: string[]): void };

const argv = process.argv.slice(2);
const bundle = `${__dirname}/cli.cjs`;

function load(): CliModule {
  const verb = cacheKey(argv);
  // the daemon, the control plane and simulated nodes run for hours (a cache buys them nothing) and import
  // their own ESM bundles, which a vm.Script can only do through an experimental hook that prints a
  // warning: plain require
  if (verb === 'daemon' || verb === 'server' || verb === 'sim' || verb === 'agent') return require(bundle) as CliModule;
  quietImportHookWarning();
  const cacheFile = `${__dirname}/cache/${verb}-${SKIFF_BUILD_ID}.bin`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // not made yet
  }
  // esbuild writes it in ASCII (charset: 'ascii'): latin1 skips UTF-8 decoding
  const source = readFileSync(bundle, 'latin1');
  // the CommonJS wrapper on the first line, so stack traces keep the bundle's line numbers
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', (code) => {
      if (code !== 0) return; // a failed run took an unusual path: wait for a representative one
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        writeFileSync(tmp, script.createCachedData(), { mode: 0o644 });
        renameSync(tmp, cacheFile);
      } catch {
        // read-only install, or dist/ rebuilt meanwhile: run without a cache
        try {
          unlinkSync(tmp);
        } catch {
          // never written
        }
      }
    });
  }
  const mod = { exports: {} as CliModule };
  (script.runInThisContext() as (e: object, r: NodeJS.Require, m: object, f: string, d: string) => void)(mod.exports, require, mod, bundle, __dirname);
  return mod.exports;
}

/**
 * Verbs that import an ESM bundle at run time (`up`, `nodes`: the cluster's parts) go through the experimental
 * hook above, and Node says so on stderr at its first use: noise in a command's output that the user can do
 * nothing about. Only that one warning is dropped; every other still prints.
 */
function quietImportHookWarning(): void {
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning?.message;
    if (text?.includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}

load().cli(argv);
