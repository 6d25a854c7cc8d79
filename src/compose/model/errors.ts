// The compose model's one error: what was wrong, in which file, which service and which key, so a user can
// find the line. The message says it all; `file`/`service`/`key` are there for callers that want the parts.
// It is an InvalidArgument (NotFound when no compose file is found) for the CLI's one error mapping.
import { SkiffError, type ErrorKind } from '../../lib/errors.ts';

/** Where in the compose files a problem is */
export interface ComposeWhere {
  file?: string;
  service?: string;
  /** the key's path, as docker compose writes it: `services.web.ports` */
  key?: string;
}

export class ComposeError extends SkiffError {
  readonly file?: string;
  readonly service?: string;
  readonly key?: string;
  constructor(message: string, where: ComposeWhere = {}, o: { kind?: ErrorKind; cause?: unknown } = {}) {
    super(o.kind ?? 'InvalidArgument', message, { cause: o.cause });
    this.name = 'ComposeError';
    this.file = where.file;
    this.service = where.service;
    this.key = where.key;
  }
}

/** The service a `services.NAME.…` key path names */
export function serviceOfKey(key: string): string | undefined {
  return /^services\.([^.[]+)/.exec(key)?.[1];
}

/** An error about one key: `<file>: <key>: <message>` */
export function keyError(file: string | undefined, key: string, message: string): ComposeError {
  return new ComposeError(`${file ? `${file}: ` : ''}${key}: ${message}`, { file, key, service: serviceOfKey(key) });
}
