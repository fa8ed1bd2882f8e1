/**
 * Errors carry their HTTP status; the error middleware maps them to each API family's envelope.
 * `code` is a stable machine-readable reason (OAuth2 error codes for the native API).
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra fields a family envelope may use (e.g. Retry-After seconds). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequest extends AppError {
  constructor(message: string, code = 'invalid_request', details?: Record<string, unknown>) {
    super(400, code, message, details);
  }
}
export class Unauthorized extends AppError {
  constructor(message = 'Authentication required', code = 'invalid_token', details?: Record<string, unknown>) {
    super(401, code, message, details);
  }
}
export class Forbidden extends AppError {
  constructor(message = 'Not allowed', code = 'forbidden') {
    super(403, code, message);
  }
}
export class NotFound extends AppError {
  constructor(message = 'Not found', code = 'not_found') {
    super(404, code, message);
  }
}
export class Conflict extends AppError {
  constructor(message: string, code = 'conflict') {
    super(409, code, message);
  }
}
export class UnsupportedMediaType extends AppError {
  constructor(message = 'Unsupported media type') {
    super(415, 'unsupported_media_type', message);
  }
}
export class PayloadTooLarge extends AppError {
  constructor(message = 'Request body too large') {
    super(413, 'payload_too_large', message);
  }
}
export class TooManyRequests extends AppError {
  constructor(retryAfterSeconds: number, message = 'Too many requests') {
    super(429, 'too_many_requests', message, { retryAfter: retryAfterSeconds });
  }
}
/** A field failed schema validation; `problems` lists what is wrong, in words a client can act on. */
export class ValidationFailed extends BadRequest {
  constructor(readonly problems: string[]) {
    super(problems.join('; '), 'invalid_request');
  }
}

/** An error's message, for a log field or a status that holds one line of text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
