/** Print rows of flat objects as an aligned table under a title. */
export function printTable(title: string, rows: readonly object[]): void {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((r) => columns.map((c) => String((r as Record<string, unknown>)[c] ?? '-')));
  const widths = columns.map((c, k) => Math.max(c.length, ...cells.map((row) => row[k]!.length)));
  const line = (values: string[]): string => values.map((v, k) => v.padEnd(widths[k]!)).join('  ');
  console.log(`\n${title}\n${line(columns)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of cells) console.log(line(row));
}
