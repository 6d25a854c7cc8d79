// The API errors the HTTP face raises itself, as kube-apiserver words them (re-exporting the contract's makers).
import { StatusError } from '../../types/status-error.ts';

export { badRequestError, invalidError, methodNotAllowedError, notFoundError, notSupported, unauthorizedError, unsupportedMediaTypeError } from '../../types/status-error.ts';

export const make413 = () => new StatusError({ code: 413, reason: 'RequestEntityTooLarge', message: 'Request entity too large: limit is 3145728' });

/** 404 for a path nothing serves */
export const pathNotFound = () => new StatusError({ code: 404, reason: 'NotFound', message: 'the server could not find the requested resource', details: {} });

/** 405 for a verb the resource does not allow */
export const verbNotAllowed = () => new StatusError({ code: 405, reason: 'MethodNotAllowed', message: 'the server does not allow this method on the requested resource', details: {} });
