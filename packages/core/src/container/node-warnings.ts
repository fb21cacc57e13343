import type { ReportWarning } from '../report/types.js';

/**
 * What each node's hooks reported through `ctx.warn(code, message)` during one run (its start and
 * its stop), kept per node index until the report is built. Most nodes never warn: no per-node
 * allocation until one does.
 */
export class NodeWarnings {
  readonly #byNode = new Map<number, ReportWarning[]>();

  add(i: number, code: string, message: string): void {
    let list = this.#byNode.get(i);
    if (!list) this.#byNode.set(i, (list = []));
    list.push(Object.freeze({ code, message }));
  }

  /** For the report builder: undefined for a node that never warned. */
  of(i: number): readonly ReportWarning[] | undefined {
    return this.#byNode.get(i);
  }

  get any(): boolean {
    return this.#byNode.size > 0;
  }
}
