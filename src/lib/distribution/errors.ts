// A registry's error answers in docker's words: the spec's `{"errors":[{"code":"MANIFEST_UNKNOWN",
// "message":"manifest unknown"}]}` becomes `manifest unknown: manifest unknown` (errcode's Error()), of the
// kind the status says (404 NotFound, 401/403 PermissionDenied, others Unavailable).
import { SkiffError, notFound, unavailable, invalidArgument } from '../errors.ts';

export const permissionDenied = (msg: string, cause?: unknown) => new SkiffError('PermissionDenied', msg, { cause });

export interface SpecError {
  code: string;
  message?: string;
}

/** The spec's error list from a body, or [] when it is not one. */
export function specErrors(text: string): SpecError[] {
  try {
    const j = JSON.parse(text) as { errors?: SpecError[] };
    return Array.isArray(j.errors) ? j.errors.filter((e) => typeof e?.code === 'string') : [];
  } catch {
    return []; // not JSON (a proxy's HTML page): the status alone tells
  }
}

/** `UNAUTHORIZED` + `authentication required` → `unauthorized: authentication required` */
export function describeSpecErrors(errs: SpecError[]): string {
  return errs.map((e) => `${e.code.toLowerCase().replace(/_/g, ' ')}: ${e.message ?? ''}`.trim()).join(', ');
}

export function registryError(status: number, text: string, doing: string, cause?: unknown): SkiffError {
  const errs = specErrors(text);
  const detail = errs.length ? describeSpecErrors(errs) : `${doing}: the registry answered ${status}${text.trim() && text.length < 200 ? ` (${text.trim()})` : ''}`;
  if (status === 404) return notFound(detail, cause);
  if (status === 401 || status === 403) return permissionDenied(detail, cause);
  if (status === 400) return invalidArgument(detail, cause);
  return unavailable(detail, cause);
}
