import pino, { type DestinationStream, type Logger } from 'pino';

/** Paths that may hold a secret; pino replaces them before anything is written. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.client_secret',
  '*.refresh_token',
  '*.access_token',
  '*.token',
  '*.secret',
  '*.apiKeyString',
  '*.clientSecret',
];

export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'token-ledger' } }, destination);
}
export type { Logger };

/** What of an error goes to the log: its type and message, never its stack (nor anything attached to it). */
export function errorFields(error: unknown): { error: { type: string; message: string } } {
  if (error instanceof Error) return { error: { type: error.name || error.constructor.name, message: error.message } };
  return { error: { type: typeof error, message: String(error) } };
}
