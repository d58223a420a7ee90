import type { Rule } from '../types.ts';

/** Reported by the engine from the directive parser and the batch checks the loader makes. */
export const invalidDirective: Rule = {
  id: 'invalid-directive',
  severity: 'error',
  summary: 'An -- airlock: directive is malformed, misplaced or does not fit the file (the loader would refuse it)',
};
