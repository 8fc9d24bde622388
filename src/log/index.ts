export { createLogger, type Logger, type LogFields, type LogLevel, type LoggerOptions } from './logger.js';
export { Redactor, redactedMarker } from './redactor.js';
export { requestContextFields, type RequestContext } from './context.js';
