import { defineConfig } from 'vitest/config';

// Works standalone (`npx vitest run --root packages/test-servers`) and as a project
// referenced from the root config (`projects: ['packages/test-servers']`); nested
// `projects` would be ignored in the second case, hence a single project.
export default defineConfig({
  test: {
    name: 'test-servers',
    include: ['test/**/*.test.ts'],
    // Only test/global-setup.test.ts reads these servers; servers.test.ts starts its own.
    globalSetup: ['src/vitest-global-setup.ts'],
    // Real servers: RabbitMQ needs seconds to boot and to stop.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
