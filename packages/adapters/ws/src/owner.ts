/**
 * The mark a WebSocket (or any upgrade) owner puts on a socket it took over from an HTTP server:
 * `@quiesce/http` then neither waits for that socket in its stop nor destroys it at its timeout —
 * the owning node closes it (a close frame, then terminate at its own timeout). A registered
 * symbol, so the two packages agree without importing each other.
 */
export const UPGRADE_OWNER: unique symbol = Symbol.for('quiesce.upgrade-owner') as never;

export function claimSocket(socket: object, owner: string): void {
  (socket as Record<symbol, unknown>)[UPGRADE_OWNER] = owner;
}
