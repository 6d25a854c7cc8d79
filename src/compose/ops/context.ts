// What the compose operations need from their caller: the Docker API client (the daemon the user chose)
// and the few CLI services they reuse (build context, credentials, progress), passed in so this room never
// reaches up into the CLI.
import type { Readable } from 'node:stream';
import type { Client } from '../../cli/http.ts';

export interface OpsContext {
  api: Client;
  /** progress lines (` Container p-web-1  Started`); docker compose writes them to stderr */
  progress: NodeJS.WritableStream;
  /** command output (tables, logs) */
  out: NodeJS.WritableStream;
  /** the build context tar of a directory, made as `skiff build` makes it */
  buildContext(dir: string, dockerfile: string): { stream: Readable; dockerfile: string };
  /** the X-Registry-Auth header for a reference (the CLI's stored credentials) */
  registryAuth(ref: string): string;
  /** show (or just drain) a pull/push JSON message stream; its errors throw */
  showTransfer(body: Readable): Promise<void>;
  /** show a build's message stream; resolves with the image id, throws the build's error */
  showBuild(body: Readable): Promise<string>;
  /** the com.docker.compose.version label */
  version: string;
}

