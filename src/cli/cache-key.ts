// Which code cache a command line uses (see launch.ts): one per verb, because each verb compiles a
// different part of the CLI.

/** The verb: the first word that is not a global flag or its value; `_` for none (or an odd word). */
export function cacheKey(argv: string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-H' || a === '--host') i++;
    else if (a[0] !== '-') return /^[a-z][a-z-]{0,15}$/.test(a) ? a : '_';
  }
  return '_';
}
