import type { Rule } from '../types.ts';

/** Reported by the engine for an allow directive that acknowledged no finding in its file. */
export const unusedAllow: Rule = {
  id: 'unused-allow',
  severity: 'warning',
  summary: "An '-- airlock:allow <rule-id> <reason>' that matches no finding in its file (or names no rule)",
};
