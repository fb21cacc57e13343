import 'reflect-metadata';
import { Global, Inject, Injectable, Module, forwardRef, type OnModuleDestroy, type OnApplicationShutdown, type BeforeApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { quiesceNest, type QuiesceNestOptions } from '../src/index.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Nest apps built for a test, quiet, without listening (init() is what quiesceNest needs). */
export const create = (module: object) => NestFactory.create(module as never, { logger: false, abortOnError: false });

/**
 * The nestjs/nest #14118 reproduction: AService (AModule) injects BService (BModule, imported by
 * AModule), and A's onModuleDestroy still writes through B. B "closes its file" in its own destroy.
 */
export function issue14118(log: string[], { global = false } = {}) {
  @Injectable()
  class BService implements OnModuleDestroy {
    closed = false;
    write(line: string) {
      if (this.closed) throw new Error('file closed during shutdown');
      log.push(line);
    }
    async onModuleDestroy() {
      await sleep(5);
      this.closed = true;
      log.push('B destroyed');
    }
  }
  @Module({ providers: [BService], exports: [BService] })
  class BModule {}

  @Injectable()
  class AService implements OnModuleDestroy {
    constructor(readonly b: BService) {}
    async onModuleDestroy() {
      await sleep(5);
      try {
        this.b.write('A destroy wrote through B');
      } catch (error) {
        log.push(`A destroy failed: ${(error as Error).message}`);
        throw error;
      }
    }
  }
  @Module({ imports: [BModule], providers: [AService], exports: [AService] })
  class AModule {}
  // A global AModule (a PrismaModule importing ConfigModule, say): Nest gives global modules the
  // largest distance, so their providers are destroyed after every other module's.
  if (global) Global()(AModule);

  // As in the issue's repository: the root imports both.
  @Module({ imports: [AModule, BModule] })
  class AppModule {}
  return { AppModule, AService, BService };
}

/**
 * A global logger everyone injects (as `@Inject(LOGGER)`, a factory's `inject`, a forwardRef and
 * through a hookless repository), flushed and closed in its own onApplicationShutdown.
 */
export const LOGGER = Symbol('LOGGER');
export const CONFIG = 'CONFIG';

export class Logger implements OnApplicationShutdown {
  closed = false;
  constructor(private readonly log: string[]) {}
  info(line: string) {
    if (this.closed) throw new Error(`logger closed, lost: ${line}`);
    this.log.push(line);
  }
  async onApplicationShutdown() {
    await sleep(5);
    this.closed = true;
    this.log.push('logger closed');
  }
}

export function loggerApp(log: string[]) {
  @Global()
  @Module({ providers: [{ provide: LOGGER, useFactory: () => new Logger(log) }], exports: [LOGGER] })
  class LoggingModule {}

  /** No hooks of its own: the orders service reaches the logger through it. */
  @Injectable()
  class OrdersRepository {
    constructor(@Inject(LOGGER) readonly logger: Logger) {}
  }

  @Injectable()
  class OrdersService implements BeforeApplicationShutdown {
    constructor(readonly repo: OrdersRepository) {}
    async beforeApplicationShutdown(signal?: string) {
      await sleep(60);
      this.repo.logger.info(`orders flushed (${signal ?? 'no signal'})`);
    }
  }

  /** A factory provider with `inject`: a metrics pusher closed on module destroy. */
  const METRICS = 'METRICS';
  const metricsFactory = {
    provide: METRICS,
    inject: [LOGGER, CONFIG],
    useFactory: (logger: Logger, config: { name: string }) => ({
      async onModuleDestroy() {
        await sleep(40);
        logger.info(`metrics pushed for ${config.name}`);
      },
    }),
  };

  @Injectable()
  class Audit implements OnModuleDestroy {
    constructor(@Inject(forwardRef(() => LOGGER)) readonly logger: Logger) {}
    async onModuleDestroy() {
      await sleep(80);
      this.logger.info('audit closed');
    }
  }

  @Module({ providers: [OrdersRepository, OrdersService, metricsFactory, Audit, { provide: CONFIG, useValue: { name: 'orders' } }] })
  class OrdersModule {}

  @Module({ imports: [LoggingModule, OrdersModule] })
  class AppModule {}
  return { AppModule, OrdersService, Audit, METRICS };
}

/** The whole path a service takes: quiesceNest, start, then one shutdown and its report. */
export async function shutDownWithQuiesce(module: object, options?: QuiesceNestOptions) {
  const lifecycle = await quiesceNest(await create(module), options);
  await lifecycle.start();
  return { lifecycle, report: await lifecycle.shutdown() };
}

/** The same app closed by Nest alone (`app.close()`, what enableShutdownHooks runs on SIGTERM). */
export async function closeWithNest(module: object) {
  const app = await create(module);
  await app.init();
  await app.close(); // Nest logs a hook's rejection and goes on: close() itself resolves.
}
