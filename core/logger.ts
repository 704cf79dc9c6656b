import { hostname } from 'node:os';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';

// Structured logs for the composition root (app/main.ts). Components keep taking a plain
// `log(line)` callback and never import pino: `lineLogger` turns their "[tag] message" lines into
// JSON records with a level, the tag as `component`, and any fields a caller passes (request and
// conversation ids). SHOPBOT_LOG_LEVEL filters, SHOPBOT_LOG_FORMAT picks JSON or today's text lines.

export type LogLevel = Level | 'silent';
export type LogFormat = 'json' | 'text';
/** Extra fields of one log record; `level` overrides the level read from the line. */
export type LogFields = Record<string, unknown> & { level?: Level };
/** What components and the app take: a line, optionally with structured fields. */
export type LogFn = (line: string, fields?: LogFields) => void;

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where records go; default stderr (synchronous, so nothing is lost when the process exits). */
  destination?: DestinationStream;
  /** Fields on every record (e.g. a node name in a cluster). */
  base?: Record<string, unknown>;
}

/** A pino logger: JSON lines (level as a word, time, pid, hostname: the node in a cluster, msg), or text lines as before. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const out = opts.destination ?? pino.destination({ dest: 2, sync: true });
  const stream = opts.format === 'text' ? textLines(out) : out;
  return pino(
    {
      level: opts.level ?? 'info',
      base: { pid: process.pid, hostname: hostname(), ...(opts.base ?? {}) },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
}

const ERROR = /\b(uncaught|unhandled|fatal)\b|stopped unexpectedly|failed to start/i;
const WARN = /\b(failed|failure|errors?|could not|couldn't|cannot|unavailable|falling back|dropped|not delivered|refused|rate limit|timed out)\b/i;

/** The level a component's line reads as: `debug:` lines, failures as warn, crashes as error, else info. */
export function levelOfLine(message: string): Level {
  if (/^debug:/i.test(message)) return 'debug';
  if (ERROR.test(message)) return 'error';
  if (WARN.test(message) && !/\b0 errors\b/i.test(message)) return 'warn';
  return 'info';
}

/**
 * The components' `log(line)` over a pino logger: "[gateway] echo failed: …" becomes
 * {"level":"warn","component":"gateway","msg":"echo failed: …"}; fields passed along are kept.
 */
export function lineLogger(logger: Logger): LogFn {
  return (line, fields) => {
    const m = /^\[([^\]\n]{1,40})\]\s?([\s\S]*)$/.exec(line);
    let msg = m ? m[2]! : line;
    const { level: given, ...rest } = fields ?? {};
    const level = given ?? levelOfLine(msg);
    if (/^debug:\s*/i.test(msg)) msg = msg.replace(/^debug:\s*/i, '');
    if (!logger.isLevelEnabled(level)) return;
    logger[level]({ ...(m ? { component: m[1] } : {}), ...rest }, msg);
  };
}

const STANDARD = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'component']);

/** Today's lines ("[tag] message"), with extra fields appended as key=value, for a terminal. */
function textLines(out: DestinationStream): DestinationStream {
  return {
    write(record: string) {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(record) as Record<string, unknown>;
      } catch {
        out.write(record);
        return;
      }
      const extra = Object.entries(o)
        .filter(([k]) => !STANDARD.has(k))
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      const tag = typeof o.component === 'string' ? `[${o.component}] ` : '';
      out.write(`${tag}${String(o.msg ?? '')}${extra ? ` (${extra})` : ''}\n`);
    },
  };
}
