/**
 * A WHERE clause from optional filters: each condition applies only when its
 * value is given, and values are bound, never spliced into the SQL.
 *
 * @example
 * where([['kind = ?', 'message'], ['ts >= ?', undefined]]) // { sql: ' WHERE kind = ?', args: ['message'] }
 */
export function where(conditions: readonly (readonly [string, unknown])[]): { sql: string; args: unknown[] } {
  const used = conditions.filter(([, value]) => value !== undefined);
  return { sql: used.length ? ` WHERE ${used.map(([c]) => c).join(' AND ')}` : '', args: used.map(([, value]) => value) };
}
