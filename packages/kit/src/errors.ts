/**
 * RFC 9457 problem details. Every error a client can see is a ProblemError with a stable
 * `type` per kind of error, so clients can branch on `type` rather than on wording.
 */
export const PROBLEM_BASE = 'urn:parley:problem:';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export class ProblemError extends Error {
  readonly kind: string;
  readonly status: number;
  readonly title: string;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    kind: string,
    status: number,
    title: string,
    detail?: string,
    extensions: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.name = 'ProblemError';
    this.kind = kind;
    this.status = status;
    this.title = title;
    this.extensions = extensions;
    this.headers = headers;
  }

  get type(): string {
    return PROBLEM_BASE + this.kind;
  }

  toBody(instance?: string): ProblemBody {
    return {
      type: this.type,
      title: this.title,
      status: this.status,
      detail: this.message,
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }
}

export interface FieldError {
  /** JSON Pointer to the offending field, e.g. `/body/items/2/name`. */
  path: string;
  message: string;
}

export const problems = {
  badRequest: (detail: string, extensions?: Record<string, unknown>) =>
    new ProblemError('bad-request', 400, 'Bad Request', detail, extensions),
  validation: (errors: FieldError[]) =>
    new ProblemError(
      'validation',
      400,
      'Request validation failed',
      errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; '),
      { errors },
    ),
  unauthorized: (detail = 'Authentication required') =>
    new ProblemError('unauthorized', 401, 'Unauthorized', detail, {}, { 'www-authenticate': 'Bearer' }),
  forbidden: (detail = 'You do not have permission to do this') =>
    new ProblemError('forbidden', 403, 'Forbidden', detail),
  notFound: (detail = 'Not found') => new ProblemError('not-found', 404, 'Not Found', detail),
  conflict: (detail: string) => new ProblemError('conflict', 409, 'Conflict', detail),
  preconditionFailed: (detail: string) =>
    new ProblemError('precondition-failed', 412, 'Precondition Failed', detail),
  payloadTooLarge: (detail: string) =>
    new ProblemError('payload-too-large', 413, 'Payload Too Large', detail),
  unsupportedMediaType: (detail: string) =>
    new ProblemError('unsupported-media-type', 415, 'Unsupported Media Type', detail),
  tooManyRequests: (retryAfterSeconds: number) =>
    new ProblemError(
      'rate-limited',
      429,
      'Too Many Requests',
      `Rate limit exceeded; retry in ${retryAfterSeconds} s`,
      {},
      { 'retry-after': String(retryAfterSeconds) },
    ),
  unavailable: (detail: string, retryAfterSeconds?: number) =>
    new ProblemError(
      'unavailable',
      503,
      'Service Unavailable',
      detail,
      {},
      retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
    ),
  internal: () => new ProblemError('internal', 500, 'Internal Server Error', 'An unexpected error occurred'),
};
