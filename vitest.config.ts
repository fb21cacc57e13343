import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        // Scheduler and container: fake resources, no servers.
        test: {
          name: 'core',
          include: ['packages/core/test/**/*.test.ts'],
          // Loaded by Node itself, as users get it: vite's runner would evaluate CommonJS as ESM.
          server: { deps: { external: [/load-zod\.cjs$/] } },
          testTimeout: 20_000,
        },
      },
      {
        // Adapters and the example service against real PostgreSQL, Redis and RabbitMQ on loopback,
        // started once for the run by the global setup (installed first when missing).
        test: {
          name: 'integration',
          include: [
            'packages/test-servers/test/**/*.test.ts',
            'packages/adapters/*/test/**/*.test.ts',
            'examples/*/test/**/*.test.ts',
            // The README's and the guides' snippets, run from the packed tarballs in a fresh project.
            'test/docs/**/*.test.ts',
          ],
          // Needs none of the servers: in a project of its own, without the global setup.
          exclude: [...configDefaults.exclude, 'packages/adapters/nestjs/**'],
          globalSetup: ['packages/test-servers/src/vitest-global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // @quiesce/nestjs on real Nest applications, in-process and in child processes; no servers.
        test: {
          name: 'nestjs',
          include: ['packages/adapters/nestjs/test/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
