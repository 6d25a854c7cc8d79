// A compressing or decompressing program as a stream stage, and gzip through ISA-L's igzip when it is
// installed (Debian package "isal"), as docker gunzips through unpigz when it finds one. On the 2-core dev
// VM igzip gunzips a 113 MB image's layers in 0.24 s (zlib: 0.8 s) and gzips its 165 MB of tar at level 1
// in 0.34 s (zlib: 2.7 s), in a process of its own, so the event loop stays free for the transfer and the
// unpack. SKIFF_NO_IGZIP=1 keeps zlib.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import { failedPrecondition, invalidArgument } from './errors.ts';

let igzip: string | null | undefined;

/** igzip's path, looked up in PATH once; null when it is not installed or SKIFF_NO_IGZIP=1 */
export function igzipPath(): string | null {
  if (igzip === undefined) {
    const dirs = (process.env.PATH || '/usr/bin:/bin').split(':').filter(Boolean);
    igzip = process.env.SKIFF_NO_IGZIP === '1' ? null : (dirs.map((d) => join(d, 'igzip')).find((p) => existsSync(p)) ?? null);
  }
  return igzip;
}

export interface StageOptions {
  /** the Debian package that has the program, for the error when it is missing */
  pkg: string;
  /** what the stage reads, for the error when the program fails: "gzip-compressed tar" */
  input: string;
}

/**
 * `cmd args…` between stdin and stdout as one Duplex. Its output ends only once the program exited with 0:
 * a corrupt or truncated input is an error, never a short stream that looks complete.
 */
export function programStage(cmd: string, args: string[], o: StageOptions): Duplex {
  const child = process.getBuiltinModule('node:child_process').spawn(cmd, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  const out = new PassThrough();
  child.stdout.pipe(out, { end: false });
  // Node accepts a {writable, readable} pair here; @types/node only knows web streams for this shape
  const duplex = Duplex.from({ writable: child.stdin, readable: out } as unknown as Duplex);
  const name = cmd.split('/').pop();
  child.on('error', (err) => duplex.destroy(failedPrecondition(`${name} is needed for a ${o.input} (Debian package "${o.pkg}")`, err)));
  // 'close' comes after the process exited and its stdout ended: every byte it wrote is in `out`
  child.on('close', (code, signal) => {
    if (code === 0) out.end();
    else out.destroy(invalidArgument(`the ${o.input} is corrupt (${name} ${code === null ? `was killed by ${signal}` : `exited with ${code}`})`));
  });
  // a reader that stops early (an error downstream) takes the program with it
  duplex.once('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });
  return duplex;
}

/** zlib's output pieces: 256 KiB rather than 16 KiB, 16x fewer chunks through the tar parser and the hash */
const GUNZIP_CHUNK = 256 << 10;

/**
 * A gunzip stage: igzip when installed, else zlib. `inProcess`: zlib always (the unpack worker: a spawn
 * forks the whole daemon, and the copy-on-write faults after it cost the daemon's threads more than
 * igzip saves over zlib).
 */
export function gunzipStage(o: { inProcess?: boolean } = {}): NodeJS.ReadWriteStream {
  const path = o.inProcess ? null : igzipPath();
  if (path) return programStage(path, ['-d', '-c', '-q'], { pkg: 'isal', input: 'gzip-compressed tar' });
  return process.getBuiltinModule('node:zlib').createGunzip({ chunkSize: GUNZIP_CHUNK });
}

/** A gzip stage at `level` (igzip's levels are 0-3; zlib's 1 is its fastest): igzip when installed, else zlib. */
export function gzipStage(level: 1 | 2 | 3 = 1): NodeJS.ReadWriteStream {
  const path = igzipPath();
  if (path) return programStage(path, [`-${level}`, '-c', '-q', '-n'], { pkg: 'isal', input: 'tar to compress' });
  return process.getBuiltinModule('node:zlib').createGzip({ level });
}
