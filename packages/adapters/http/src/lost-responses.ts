import { HttpResponsesLostError } from './errors.js';

/**
 * Responses begun before the node's stop that a client's vanishing cut during it (killed, timed
 * out, cut by a balancer). Counted so the report says so (DESIGN: `stopped` means nothing the node
 * owned was cut); what the force path cuts is the timeout's to report, not counted here.
 */
export class LostResponses {
  #lost = 0;
  #unanswered = 0;

  /** One tracked response ended: lost when the stop had begun, the force path had not run, and not every byte left. */
  settled(stopping: boolean, forced: boolean, finished: boolean, headersSent: boolean): void {
    if (!stopping || forced || finished) return;
    this.#lost++;
    if (!headersSent) this.#unanswered++;
  }

  /** Throws HttpResponsesLostError (for the node's stop) when any was lost and the node was not forced. */
  check(node: string, forced: boolean): void {
    if (this.#lost > 0 && !forced) throw new HttpResponsesLostError(node, this.#lost, this.#unanswered);
  }
}
