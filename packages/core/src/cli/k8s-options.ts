import { InvalidOptionsError } from '../errors.js';
import { PROPAGATION_PRESETS, resolveKubernetesOptions, type KubernetesOptions } from '../graph/kubernetes/index.js';
import { CliUsageError } from './errors.js';

type Values = Readonly<Record<string, string | boolean | undefined>>;

/** Each option's flag, so a refused value names what the user typed. */
const FLAGS: Readonly<Record<string, string>> = {
  marginSeconds: '--margin',
  preStop: '--prestop',
  readinessPath: '--path',
  port: '--port',
  propagation: '--propagation',
  kubernetesVersion: '--k8s-version',
  container: '--container',
  spot: '--spot',
  strict: '--strict',
};

/** The flags as toKubernetes options, validated by the same schema before the user's module runs. */
export function kubernetesOptionsFromFlags(values: Values): KubernetesOptions {
  const text = (flag: string) => values[flag] as string | undefined;
  const wholeNumber = (flag: string, what: string): number | undefined => {
    const value = text(flag);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new CliUsageError(`quiesce k8s: --${flag} must be ${what}, got '${value}'`);
    return Number(value);
  };
  const propagation = text('propagation');
  if (propagation !== undefined && !/^\d+$/.test(propagation) && !(PROPAGATION_PRESETS as readonly string[]).includes(propagation)) {
    throw new CliUsageError(`quiesce k8s: --propagation must be milliseconds or one of ${PROPAGATION_PRESETS.join(', ')}, got '${propagation}'`);
  }
  const port = text('port');
  const options: Record<string, unknown> = {
    preStop: values.prestop === true,
    strict: values.strict === true,
    marginSeconds: wholeNumber('margin', 'whole seconds ≥ 0'),
    port: port !== undefined && /^\d+$/.test(port) ? Number(port) : port,
    readinessPath: text('path'),
    propagation: propagation !== undefined && /^\d+$/.test(propagation) ? Number(propagation) : propagation,
    kubernetesVersion: text('k8s-version'),
    container: text('container'),
    spot: text('spot'),
  };
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  try {
    resolveKubernetesOptions(options as KubernetesOptions);
  } catch (error) {
    if (!(error instanceof InvalidOptionsError)) throw error;
    const issues = error.issues.map((i) => `${FLAGS[i.field] ?? i.field}: ${i.message} (got '${String(values[flagOf(i.field)])}')`);
    throw new CliUsageError(`quiesce k8s: ${issues.join('; ')}`);
  }
  return options as KubernetesOptions;
}

function flagOf(field: string): string {
  return (FLAGS[field] ?? `--${field}`).slice(2);
}
