import type { Pool } from 'pg';

/**
 * Buffers audit entries in memory and writes them in one batch when it stops: the kind of
 * resource that loses data when a process is killed instead of shut down, and that must stop
 * after the API (which writes to it) and before the database (which it writes to).
 */
export class AuditBuffer {
  readonly entries: string[] = [];

  record(entry: string): void {
    this.entries.push(entry);
  }

  async flush(pool: Pool): Promise<number> {
    const batch = this.entries.splice(0);
    if (batch.length === 0) return 0;
    const values = batch.map((_, k) => `($${k + 1})`).join(', ');
    await pool.query(`INSERT INTO audit_log (entry) VALUES ${values}`, batch);
    return batch.length;
  }
}
