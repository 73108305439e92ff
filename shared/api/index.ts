/**
 * Zod schemas of the AI Horde v2 bodies the app speaks, shared by the
 * embedded horde (validates what it receives), the worker and the requester
 * client (validate what they read back). Inputs strip unknown fields, as the
 * AI Horde's parsers do.
 */
export * from './common';
export * from './text';
export * from './interrogate';
export * from './users';
export * from './workers';
export * from './status';
export * from './image';
export * from './bridge-agents';
