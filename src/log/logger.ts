import type { Writable } from 'node:stream';
import winston from 'winston';
import type { Redactor } from './redactor.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFields = Record<string, unknown>;

/** The logger every module receives; only this folder knows winston. */
export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  isDebugEnabled(): boolean;
  /** A logger whose lines all carry `bindings` (fixed keys chosen by our code, never user input). */
  child(bindings: LogFields): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  redactor: Redactor;
  /** Where JSON lines go; stdout unless a test captures them. */
  stream?: Writable;
}

const MESSAGE = Symbol.for('message');

/** Errors put in fields serialise as their message and code instead of `{}`. */
const serialiseErrors = winston.format((info) => {
  for (const [key, value] of Object.entries(info)) {
    if (value instanceof Error) {
      const code = (value as { code?: unknown }).code;
      info[key] = { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
    }
  }
  return info;
});

export function createLogger(options: LoggerOptions): Logger {
  // Redaction runs last, on the finished line, so nothing added earlier can leak a token.
  const redactFinishedLine = winston.format((info) => {
    const line = (info as Record<symbol, unknown>)[MESSAGE];
    if (typeof line === 'string') (info as Record<symbol, unknown>)[MESSAGE] = options.redactor.redact(line);
    return info;
  });
  const base = winston.createLogger({
    level: options.level,
    format: winston.format.combine(
      winston.format.timestamp(),
      serialiseErrors(),
      winston.format.json(),
      redactFinishedLine(),
    ),
    transports: [new winston.transports.Stream({ stream: options.stream ?? process.stdout })],
  });
  return wrap(base);
}

function wrap(target: winston.Logger): Logger {
  // winston formats a line before its transport drops it by level; checking first keeps
  // debug lines (Bolt logs every envelope) from costing CPU on the hot path.
  return {
    error: (message, fields) => target.error(message, fields),
    warn: (message, fields) => target.isWarnEnabled() && target.warn(message, fields),
    info: (message, fields) => target.isInfoEnabled() && target.info(message, fields),
    debug: (message, fields) => target.isDebugEnabled() && target.debug(message, fields),
    isDebugEnabled: () => target.isDebugEnabled(),
    child: (bindings) => wrap(target.child(bindings)),
  };
}
