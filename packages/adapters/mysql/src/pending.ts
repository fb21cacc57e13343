/** What core's report shows for a pool whose stop time ran out: "2 checkouts still out, 3 connections open". */
export function describePending(checkouts: number, open: number): string[] | undefined {
  const parts: string[] = [];
  if (checkouts > 0) parts.push(`${checkouts} checkout${checkouts === 1 ? '' : 's'} still out`);
  if (open > 0) parts.push(`${open} connection${open === 1 ? '' : 's'} open`);
  return parts.length > 0 ? parts : undefined;
}
