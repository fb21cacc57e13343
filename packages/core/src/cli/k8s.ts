import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { KubernetesOptions } from '../graph/kubernetes.js';
import type { ShutdownPlan } from '../graph/plan.js';
import { parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { CliUsageError } from './errors.js';

/** `quiesce k8s <module> [--export name] [--prestop] [--port p] [--path /readyz] [--margin s] [--container name]` */
export const k8s: Command = {
  summary: "print the pod-spec numbers (grace period, readiness probe, preStop) your app's shutdown plan implies",
  usage: [
    'usage: quiesce k8s <module> [--export <name>] [--prestop] [--port <port>] [--path <path>] [--margin <s>] [--container <name>]',
    '',
    '  <module>       a built JS module exporting the app: a LifecycleContainer, or a function',
    '                 (sync or async) returning one, configured but not started (nothing is started)',
    '  --export       the export to use (default: "app", else the default export)',
    '  --prestop      drain with a preStop sleep instead of drainDelayMs',
    '  --port         the container port the readiness probe calls (default: http)',
    '  --path         the readiness path (default: /readyz)',
    '  --margin       seconds between the deadline and SIGKILL (default: 5)',
    '  --container    the container name (default: app)',
    '',
    'exit codes: 0 printed; 2 bad arguments or no app in the module; 1 other failures',
  ].join('\n'),
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('quiesce k8s', args, {
      export: { type: 'string' },
      prestop: { type: 'boolean' },
      port: { type: 'string' },
      path: { type: 'string' },
      margin: { type: 'string' },
      container: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.out(`${k8s.usage}\n`);
      return 0;
    }
    if (positionals.length !== 1) throw new CliUsageError('quiesce k8s: give one module that exports the app (see quiesce k8s --help)');
    const options = kubernetesOptions(values); // bad flags first: before the user's module runs
    const plan = await planOf(positionals[0]!, values.export as string | undefined);
    io.out(plan.toKubernetes(options));
    return 0;
  },
};

function kubernetesOptions(values: Readonly<Record<string, string | boolean | undefined>>): KubernetesOptions {
  const margin = values.margin === undefined ? undefined : Number(values.margin);
  if (margin !== undefined && !(Number.isInteger(margin) && margin >= 0)) throw new CliUsageError(`quiesce k8s: --margin must be whole seconds ≥ 0, got '${String(values.margin)}'`);
  const port = values.port as string | undefined;
  return {
    preStop: values.prestop === true,
    ...(port !== undefined ? { port: /^\d+$/.test(port) ? Number(port) : port } : {}),
    ...(values.path !== undefined ? { readinessPath: values.path as string } : {}),
    ...(margin !== undefined ? { marginSeconds: margin } : {}),
    ...(values.container !== undefined ? { container: values.container as string } : {}),
  };
}

/** Import the module, take its app (or call its factory) and ask for the plan: nothing starts. */
async function planOf(module: string, exportName: string | undefined): Promise<ShutdownPlan> {
  const loaded = (await import(pathToFileURL(resolve(module)).href)) as Record<string, unknown>;
  const name = exportName ?? ('app' in loaded ? 'app' : 'default');
  let app = loaded[name];
  if (typeof app === 'function' && typeof (app as { prototype?: { plan?: unknown } }).prototype?.plan !== 'function') app = await (app as () => unknown)();
  if (typeof (app as { plan?: unknown } | undefined)?.plan !== 'function') {
    throw new CliUsageError(`quiesce k8s: ${module} has no export "${name}" that is a LifecycleContainer or returns one (exports: ${Object.keys(loaded).join(', ') || 'none'})`);
  }
  return (app as { plan(): ShutdownPlan }).plan();
}
