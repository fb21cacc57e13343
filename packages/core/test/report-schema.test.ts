import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { LifecycleContainer, StartError, type ExitCause } from '../src/index.js';
import { EXIT_CAUSES } from '../src/report/fields.js';
import { REPORT_SCHEMA_FILE, reportJsonSchemaText } from '../src/report/json-schema.js';
import { REPORT_STATUS } from '../src/report/types.js';
import { zod } from '../src/validation/lazy-schema.js';
import { sleep } from './support/timeline.js';
import { troubledShutdown } from './support/troubled.js';

// The schema file the package ships (exports "./schema/shutdown-report.schema.json").
const schema = JSON.parse(readFileSync(new URL('../schema/shutdown-report.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true, multipleOfPrecision: 6 });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(schema);

function expectValid(json: unknown): void {
  const copy = JSON.parse(JSON.stringify(json));
  // The errors themselves, so a failure says which field and value broke the schema.
  if (!validate(copy)) expect({ errors: validate.errors, report: copy }).toEqual({ errors: [], report: copy });
}

describe('the shipped JSON Schema describes real reports', () => {
  it('validates a report with every optional field: service, drain, phases, cut, waitedFor, error codes, notes', async () => {
    const { report } = await troubledShutdown();
    const json = report.toJSON();
    for (const field of ['cut', 'phases', 'waitedFor', 'error'] as const) expect(json.nodes.some((n) => n[field] !== undefined), field).toBe(true);
    expect(json.service).toBe('orders-api');
    expectValid(json);
  });

  it('validates a plain ok report, a deadline-passed report and a failed start rollback', async () => {
    const plain = new LifecycleContainer().resource('db', { value: 1, stop: () => sleep(1) });
    await plain.start();
    expectValid(await plain.shutdown());

    const late = new LifecycleContainer({ shutdownTimeoutMs: 40 }).resource('hung', { value: 1, stop: () => new Promise(() => {}) }).resource('after', { value: 2, dependsOn: ['hung'] });
    await late.start();
    const passed = await late.shutdown();
    expect(passed.deadlinePassed).toBe(true);
    expectValid(passed);

    const failing = new LifecycleContainer()
      .resource('db', { value: 1, stop: () => undefined })
      .resource('api', { value: 2, dependsOn: ['db'], start: () => Promise.reject(new Error('no port')) });
    const error = await failing.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expectValid((error as StartError).rollback);
  });

  it('refuses what a report never contains (so a field added without the schema fails here)', async () => {
    const { report } = await troubledShutdown();
    const json = JSON.parse(JSON.stringify(report));
    expect(validate({ ...json, surprise: 1 })).toBe(false);
    expect(validate({ ...json, nodes: [{ ...json.nodes[0], status: 'fine' }] })).toBe(false);
    expect(validate({ ...json, durationMs: 1.234 })).toBe(false);
  });
});

describe('the schema file is generated from the field descriptors (report/fields.ts)', () => {
  it('the committed file is exactly what `pnpm run schema` writes', () => {
    const committed = readFileSync(new URL(`../${REPORT_SCHEMA_FILE}`, import.meta.url), 'utf8');
    // A field changed in fields.ts without regenerating the file (or the file edited by hand) fails here.
    expect(committed, 'run `pnpm run schema` and commit the file').toBe(reportJsonSchemaText(zod()));
  });

  it("the exit causes it lists are ProcessExitReport's, no more, no less", () => {
    expectTypeOf<(typeof EXIT_CAUSES)[number]>().toEqualTypeOf<ExitCause>();
    expect(schema.properties.exit.properties.cause.enum).toEqual([...EXIT_CAUSES]);
  });

  it("validates a node's ctx.warn warnings and refuses one without a code", async () => {
    const app = new LifecycleContainer().resource('api', { value: 1, stop: (_v, ctx) => ctx.warn('QUIESCE_TEST', 'late traffic') });
    await app.start();
    const json = JSON.parse(JSON.stringify(await app.shutdown()));
    expect(json.nodes[0].warnings).toEqual([{ code: 'QUIESCE_TEST', message: 'late traffic' }]);
    expectValid(json);
    expect(validate({ ...json, nodes: [{ ...json.nodes[0], warnings: [{ message: 'x' }] }] })).toBe(false);
  });
});

describe('one status vocabulary', () => {
  it("the schema's node statuses are the report words of the engine's mapping table, no more, no less", () => {
    expect([...schema.$defs.node.properties.status.enum].sort()).toEqual([...new Set(Object.values(REPORT_STATUS))].sort());
  });
});

describe("the CLI's report reader agrees with the JSON Schema", () => {
  it('refuses a report missing any field the schema requires, top level and per node', async () => {
    const { readReport } = await import('../src/cli/read-report.js');
    const { report } = await troubledShutdown();
    const json = JSON.parse(JSON.stringify(report));
    expect(readReport(JSON.stringify(json), 'report.json').nodes).toHaveLength(json.nodes.length);
    for (const field of schema.required as string[]) {
      const { [field]: _, ...without } = json;
      expect(() => readReport(JSON.stringify(without), 'report.json'), field).toThrow();
    }
    for (const field of schema.$defs.node.required as string[]) {
      const { [field]: _, ...node } = json.nodes[0];
      expect(() => readReport(JSON.stringify({ ...json, nodes: [node] }), 'report.json'), `nodes[].${field}`).toThrow();
    }
  });
});
