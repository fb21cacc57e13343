import { fileURLToPath } from 'node:url';
import { Replica, type ReplicaExit } from '../../src/rolling/replica.js';

const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export type Exit = ReplicaExit;

/** The example service as a real child process, with its output captured (built dist/main.js). */
export type ServiceProcess = Replica;
export const ServiceProcess = {
  spawn: (env: Record<string, string>): ServiceProcess => Replica.spawn('service', main, env),
};
