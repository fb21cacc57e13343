import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROPAGATION_PRESETS } from '../graph/kubernetes/index.js';
import type { ShutdownPlan } from '../graph/plan.js';
import { parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { CliUsageError } from './errors.js';
import { kubernetesOptionsFromFlags } from './k8s-options.js';

/** `quiesce k8s <module> [--propagation p] [--k8s-version v] [--prestop] [--strict] …` */
export const k8s: Command = {
  summary: "print the pod-spec numbers (grace period, readiness probe, preStop) your app's shutdown plan implies",
  usage: [
    'usage: quiesce k8s <module> [--propagation <ms|preset>] [--k8s-version <1.xx>] [--prestop] [--strict]',
    '                   [--spot gke|aws] [--export <name>] [--port <port>] [--path <path>] [--margin <s>] [--container <name>]',
    '',
    '  <module>        a built JS module exporting the app: a LifecycleContainer, or a function',
    '                  (sync or async) returning one, configured but not started (nothing is started)',
    '  --propagation   how long the traffic path keeps routing to a deleted pod: milliseconds you measured,',
    `                  or a preset: ${PROPAGATION_PRESETS.join(', ')}`,
    '                  (default: kube-proxy; each number and its source: docs/KUBERNETES.md)',
    '  --k8s-version   the cluster\'s Kubernetes version: from 1.30 the preStop uses the built-in sleep',
    '                  action, before it an exec sleep (default: assume ≥ 1.30)',
    '  --prestop       drain with a preStop sleep of the propagation lag instead of drainDelayMs',
    '  --strict        what cannot work is an error (exit 1, nothing printed), not a # WARNING line: for CI',
    '  --spot          the pod runs on Spot/preemptible nodes: the grace period must fit their shutdown budget',
    '  --export        the export to use (default: "app", else the default export)',
    '  --port          the container port the readiness probe calls (default: http)',
    '  --path          the readiness path (default: /readyz)',
    '  --margin        seconds between the deadline and SIGKILL (default: 5)',
    '  --container     the container name (default: app)',
    '',
    'exit codes: 0 printed; 2 bad arguments or no app in the module; 1 unsafe with --strict (QUIESCE_KUBERNETES_UNSAFE), other failures',
  ].join('\n'),
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('quiesce k8s', args, {
      export: { type: 'string' },
      prestop: { type: 'boolean' },
      strict: { type: 'boolean' },
      port: { type: 'string' },
      path: { type: 'string' },
      margin: { type: 'string' },
      container: { type: 'string' },
      propagation: { type: 'string' },
      'k8s-version': { type: 'string' },
      spot: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.out(`${k8s.usage}\n`);
      return 0;
    }
    if (positionals.length !== 1) throw new CliUsageError('quiesce k8s: give one module that exports the app (see quiesce k8s --help)');
    const options = kubernetesOptionsFromFlags(values); // bad flags first: before the user's module runs
    const plan = await planOf(positionals[0]!, values.export as string | undefined);
    io.out(plan.toKubernetes(options));
    return 0;
  },
};

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
