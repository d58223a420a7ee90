import type { Rule } from '../types.ts';

/** Reported by the engine when a file cannot be read or parsed; the linter goes on with the other files. */
export const syntaxError: Rule = {
  id: 'syntax-error',
  severity: 'error',
  summary: 'The file cannot be parsed by the PostgreSQL parser (or read as UTF-8); nothing in it was checked',
};
