import type { z } from 'zod';
import type { ConfigIssue } from './errors';

/**
 * Zod's issues as operator-facing lines: the key path (`stores[0].audio_conf_id`) and, where
 * zod's own wording is generic ("Invalid input"), plain words about what was expected and what
 * was found. Messages the schemas chose themselves are kept. `input` is what was validated,
 * to tell a missing field from a wrong one.
 */
export function zodIssues(error: z.ZodError, prefix: string, input: unknown): ConfigIssue[] {
  return error.issues.map((issue) => {
    const keyPath = issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
      .join('.')
      .replace(/\.\[/g, '[');
    const sep = prefix.includes(':') || prefix.endsWith(']') ? '.' : ': ';
    return {
      path: keyPath ? `${prefix}${sep}${keyPath}` : prefix,
      message: plainMessage(issue, valueAt(input, issue.path)),
    };
  });
}

function plainMessage(issue: z.core.$ZodIssue, value: unknown): string {
  if (
    value === undefined &&
    issue.path.length > 0 &&
    (issue.code === 'invalid_type' || issue.code === 'invalid_union')
  ) {
    return 'required, not set';
  }
  switch (issue.code) {
    case 'invalid_type':
      return isDefault(issue.message)
        ? `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}, got ${describe(value)}`
        : issue.message;
    case 'invalid_union': {
      // Each branch failed on its type (e.g. a text or a number): name the types it accepts.
      const expected = issue.errors
        .flat()
        .filter((i) => i.code === 'invalid_type' && i.path.length === 0)
        .map((i) => (i.code === 'invalid_type' ? (TYPE_WORDS[i.expected] ?? i.expected) : ''));
      return expected.length > 0 && isDefault(issue.message)
        ? `expected ${[...new Set(expected)].join(' or ')}, got ${describe(value)}`
        : issue.message;
    }
    case 'too_small':
    case 'too_big':
      return isDefault(issue.message) ? bound(issue) : issue.message;
    default:
      return issue.message;
  }
}

/** Zod's default wording, which the schemas replace with their own where it matters. */
const isDefault = (message: string) => /^(Invalid input|Too small|Too big)/.test(message);

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  int: 'a whole number',
};

function bound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const n = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  const small = issue.code === 'too_small';
  switch (issue.origin) {
    case 'string':
      if (small && n === 1) return 'must not be empty';
      return `${small ? 'at least' : 'at most'} ${n} characters`;
    case 'array':
      return `${small ? 'at least' : 'at most'} ${n} value(s)`;
    default:
      if (issue.inclusive === false) return `must be ${small ? 'more' : 'less'} than ${n}`;
      return `must be ${small ? 'at least' : 'at most'} ${n}`;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return value.length > 40 ? `"${value.slice(0, 40)}..."` : JSON.stringify(value);
  return String(value);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let at = input;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}
