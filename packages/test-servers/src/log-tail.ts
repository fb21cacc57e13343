/**
 * Keeps the last lines a server printed, so that every error can show them:
 * a server that fails to start almost always says why in its last few lines.
 */
export class LogTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly maxLines = 200) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString('utf8');
    const parts = text.split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }

  /** Adds lines that came from elsewhere (a log file, a helper command). */
  append(text: string): void {
    for (const line of text.split(/\r?\n/)) if (line.length > 0) this.add(line);
  }

  tail(count = 20): string[] {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-count);
  }

  private add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.maxLines) this.lines.shift();
  }
}
