import type { Rule } from '../types.ts';
import { NO_LOCK_CONCERN, typedColumns } from '../style.ts';

export const preferText: Rule = {
  id: 'prefer-text',
  severity: 'warning',
  aliases: ['prefer-text-field', 'ban-char-field'],
  summary: 'varchar(n) and char(n): prefer text (with a CHECK if a limit matters)',
  check({ stmt }) {
    return typedColumns(stmt)
      .filter((c) => /^(varchar|bpchar)\(\d+\)$/.test(c.type))
      .map((c) => {
        const char = c.type.startsWith('bpchar');
        return {
          at: c.at,
          message: `${c.table}.${c.column} is ${char ? c.type.replace('bpchar', 'char') : c.type}: ${char ? 'char(n) pads with spaces and compares surprisingly' : 'raising the limit later is cheap, but lowering it or moving to a CHECK rewrites the table'}; text performs the same. ${NO_LOCK_CONCERN}`,
          help: `Use text, and if a limit is a business rule, add CHECK (char_length(${c.column}) <= n): it can later be replaced NOT VALID without a rewrite.`,
        };
      });
  },
};
