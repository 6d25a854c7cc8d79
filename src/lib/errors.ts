// The few kinds of error skiff throws. Each API edge maps a kind to its own codes in exactly one place
// (Docker API: engine/api/errors.ts). Never match on messages; check `kind`.

export type ErrorKind =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'InvalidArgument'
  | 'FailedPrecondition'
  | 'Unavailable'
  | 'DeadlineExceeded'
  | 'PermissionDenied'
  | 'Internal';

export class SkiffError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = `${kind}Error`;
  }
}

export const notFound = (msg: string, cause?: unknown) => new SkiffError('NotFound', msg, { cause });
export const alreadyExists = (msg: string, cause?: unknown) => new SkiffError('AlreadyExists', msg, { cause });
export const conflict = (msg: string, cause?: unknown) => new SkiffError('Conflict', msg, { cause });
export const invalidArgument = (msg: string, cause?: unknown) => new SkiffError('InvalidArgument', msg, { cause });
export const failedPrecondition = (msg: string, cause?: unknown) => new SkiffError('FailedPrecondition', msg, { cause });
export const unavailable = (msg: string, cause?: unknown) => new SkiffError('Unavailable', msg, { cause });
/** a deadline passed (a probe's exec past its timeout: CRI's DeadlineExceeded) */
export const deadlineExceeded = (msg: string, cause?: unknown) => new SkiffError('DeadlineExceeded', msg, { cause });
export const internal = (msg: string, cause?: unknown) => new SkiffError('Internal', msg, { cause });

export function isKind(err: unknown, kind: ErrorKind): err is SkiffError {
  return err instanceof SkiffError && err.kind === kind;
}

/** The errno code of a Node system error (`ENOENT`, …), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
