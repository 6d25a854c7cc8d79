// skiff's entry point when run from source (`node src/cli/main.ts`; the bundle's is launch.ts). Tiny on
// purpose: the compile cache must be on before the rest of the CLI is compiled (an ESM file's static
// imports are compiled before its body runs), so everything else comes through one dynamic import.
import { enableCompileCache } from 'node:module';

enableCompileCache?.();
const { cli } = await import('./cli.ts');
cli(process.argv.slice(2));
