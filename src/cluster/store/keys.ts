// Key-range helpers shared by both backends. Keys are ASCII paths ('/registry/...'), so JavaScript string order,
// SQLite's BINARY collation and etcd's byte order agree.

/** the smallest key greater than every key that starts with prefix; undefined for '' (no upper bound) */
export function prefixEnd(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

/** true when key lies in the prefix range */
export function hasPrefix(key: string, prefix: string): boolean {
  return key.startsWith(prefix);
}
