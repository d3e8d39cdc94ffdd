// Structured logging with pino. Personal identification numbers (12 digits) are masked wherever they
// appear in a log line, in messages and in nested fields alike, and failed queries' parameters are
// never written, so logs can be shipped and shared.
import { pino, type Logger } from 'pino';

export type { Logger };

const PID_PATTERN = /(?<!\d)(\d{3})\d{6}(\d{3})(?!\d)/g;

/** Masks every 12-digit run in a string: 079123456789 → 079******789. */
export function maskPids(text: string): string {
  return text.replace(PID_PATTERN, '$1******$2');
}

/** Drizzle writes a failed query's parameters (names, ids, amounts) into its error message: never logged. */
const QUERY_PARAMS = /\nparams: [^\n]*/g;

/** A log-safe string: query parameters dropped, personal identification numbers masked. */
function scrub(text: string): string {
  return maskPids(text.replace(QUERY_PARAMS, '\nparams: [not logged]'));
}

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const { code, cause } = value as Error & { code?: unknown };
    // The driver's own error (its code and message, never its parameters) is what explains a failed query.
    return {
      type: value.name,
      message: scrub(value.message),
      ...(typeof code === 'string' ? { code } : {}),
      stack: value.stack ? scrub(value.stack) : undefined,
      ...(cause ? { cause: maskDeep(cause, depth + 1) } : {}),
    };
  }
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
  return out;
}

export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { pid: undefined },
      formatters: { log: (obj) => maskDeep(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? maskPids(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
}
