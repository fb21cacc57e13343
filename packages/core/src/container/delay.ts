/** The drain delay. Ref'd: it is part of shutdown; an idle process must not exit in the middle of it. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
