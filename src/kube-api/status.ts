/** Kubernetes `metav1.Status` failures, as kube-apiserver writes them (k8s-authn-authz §5.5). */

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'Invalid'
  | 'RequestEntityTooLarge'
  | 'TooManyRequests'
  | 'ServiceUnavailable'
  | 'InternalError';

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: StatusReason;
  details?: { retryAfterSeconds?: number };
  code: number;
}

export function failure(code: number, reason: StatusReason, message: string, details?: KubeStatus['details']): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

/** kube-apiserver's exact 401 body; kubectl prints "You must be logged in to the server (Unauthorized)". */
export const UNAUTHORIZED = failure(401, 'Unauthorized', 'Unauthorized');

/** kube-apiserver's message for an unknown path or resource. */
export const NOT_FOUND = failure(404, 'NotFound', 'the server could not find the requested resource');
