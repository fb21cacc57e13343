/**
 * What a misused value is, for the message of an `AdapterMisuseError` ("got a plain object",
 * "got a Server"): its class name, so a second copy of a driver (`a Server` that is not ours) can
 * be told from a wrong value. Never the value itself: it may hold credentials.
 */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object') return `a ${typeof value}`;
  const ctor = (value as { constructor?: { name?: string } }).constructor;
  if (ctor === Object || !ctor?.name) return 'a plain object';
  return `a ${ctor.name}`;
}
