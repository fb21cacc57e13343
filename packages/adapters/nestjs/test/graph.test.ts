import 'reflect-metadata';
import { Inject, Injectable, Module, Scope, forwardRef, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import { CycleError } from '@quiesce/core';
import { describe, expect, it } from 'vitest';
import { quiesceNest } from '../src/index.js';
import { create, shutDownWithQuiesce } from './apps.js';

const log: string[] = [];
const hooked = (name: string) => ({
  onModuleDestroy() {
    log.push(name);
  },
});

/** A dynamic module, registered twice with different options: two instances of one class. */
@Injectable()
class Connection implements OnModuleDestroy {
  constructor(@Inject('URL') readonly url: string) {}
  onModuleDestroy() {
    log.push(`connection ${this.url} closed`);
  }
}
@Module({})
class ConnectionModule {
  static forRoot(url: string): DynamicModule {
    return { module: ConnectionModule, providers: [{ provide: 'URL', useValue: url }, Connection], exports: [Connection] };
  }
}

@Injectable({ scope: Scope.REQUEST })
class PerRequest implements OnModuleDestroy {
  onModuleDestroy() {
    log.push('per request');
  }
}

@Injectable()
class Reports implements OnModuleDestroy {
  constructor(readonly connection: Connection) {}
  onModuleDestroy() {
    log.push('reports closed');
  }
}
@Module({ imports: [ConnectionModule.forRoot('pg://reports')], providers: [Reports, PerRequest], exports: [Reports] })
class ReportsModule {}

/** Reaches Reports through a `useExisting` alias. */
@Injectable()
class Dashboard implements OnModuleDestroy {
  constructor(@Inject('ALIAS') readonly reports: Reports) {}
  onModuleDestroy() {
    log.push('dashboard closed');
  }
}

@Module({ imports: [ConnectionModule.forRoot('pg://orders'), ReportsModule], providers: [{ provide: 'ALIAS', useExisting: Reports }, Dashboard] })
class AppModule {}

describe('the provider graph', () => {
  it('a dynamic module registered twice gives two nodes told apart by module; each dependent depends on its own; request-scoped and aliases are no nodes', async () => {
    log.length = 0;
    const { lifecycle, report } = await shutDownWithQuiesce(AppModule, { shutdownTimeoutMs: 60_000 });
    const nodes = lifecycle.graph().nodes.map((n) => n.name).sort();
    expect(nodes).toHaveLength(5);
    expect(nodes).toContain('Reports');
    expect(lifecycle.graph().nodes.find((n) => n.name === 'Dashboard')!.dependsOn).toContain('Reports');
    expect(nodes).toContain('nest');
    // Both modules are named ConnectionModule: the second is numbered.
    expect(nodes.filter((n) => n.includes('Connection'))).toEqual(['ConnectionModule.Connection', 'ConnectionModule.Connection#2']);
    const reportsDeps = lifecycle.graph().nodes.find((n) => n.name === 'Reports')!.dependsOn.filter((d) => d !== 'nest');
    expect(reportsDeps).toHaveLength(1);
    expect(report.ok).toBe(true);
    expect(log.indexOf('dashboard closed')).toBeLessThan(log.indexOf('reports closed'));
    expect(log.indexOf('reports closed')).toBeLessThan(log.indexOf('connection pg://reports closed'));
    expect(log).not.toContain('per request');
  });

  it('two hooked providers injecting each other through forwardRef: a cycle, refused at start with CycleError naming it', async () => {
    @Injectable()
    class Left implements OnModuleDestroy {
      constructor(@Inject(forwardRef(() => Right)) readonly right: unknown) {}
      onModuleDestroy = hooked('left').onModuleDestroy;
    }
    @Injectable()
    class Right implements OnModuleDestroy {
      constructor(@Inject(forwardRef(() => Left)) readonly left: Left) {}
      onModuleDestroy = hooked('right').onModuleDestroy;
    }
    @Module({ providers: [Left, Right] })
    class CycleModule {}
    const lifecycle = await quiesceNest(await create(CycleModule));
    expect(() => lifecycle.validate()).toThrowError(CycleError);
    expect(() => lifecycle.validate()).toThrowError(/Left → Right → Left|Right → Left → Right/);
  });

  it('a transient provider with a hook: one node per instance, each injector depends on them, all stopped after their users', async () => {
    log.length = 0;
    let made = 0;
    @Injectable({ scope: Scope.TRANSIENT })
    class Tracer implements OnModuleDestroy {
      readonly id = ++made;
      onModuleDestroy() {
        log.push(`tracer ${this.id} flushed`);
      }
    }
    @Injectable()
    class Billing implements OnModuleDestroy {
      constructor(readonly tracer: Tracer) {}
      onModuleDestroy() {
        log.push('billing closed');
      }
    }
    @Injectable()
    class Shipping implements OnModuleDestroy {
      constructor(readonly tracer: Tracer) {}
      onModuleDestroy() {
        log.push('shipping closed');
      }
    }
    @Module({ providers: [Tracer, Billing, Shipping] })
    class TransientModule {}
    const { lifecycle, report } = await shutDownWithQuiesce(TransientModule);
    expect(report.ok).toBe(true);
    const tracers = lifecycle.graph().nodes.filter((n) => n.name.startsWith('Tracer')).map((n) => n.name).sort();
    expect(tracers).toEqual(['Tracer#1', 'Tracer#2']);
    expect(lifecycle.graph().nodes.find((n) => n.name === 'Billing')!.dependsOn).toEqual(expect.arrayContaining(tracers));
    const lastUser = Math.max(log.indexOf('billing closed'), log.indexOf('shipping closed'));
    expect(log.filter((l) => l.startsWith('tracer')).map((l) => log.indexOf(l)).every((i) => i > lastUser)).toBe(true);
    expect(log.filter((l) => l.startsWith('tracer'))).toHaveLength(2);
  });

  it('property injection (@Inject() on a field) is a dependency too', async () => {
    log.length = 0;
    @Injectable()
    class Store implements OnModuleDestroy {
      onModuleDestroy() {
        log.push('store closed');
      }
    }
    @Injectable()
    class Sessions implements OnModuleDestroy {
      @Inject(Store) readonly store!: Store;
      async onModuleDestroy() {
        await new Promise((resolve) => setTimeout(resolve, 20));
        log.push('sessions saved');
      }
    }
    @Module({ providers: [Store, Sessions] })
    class PropertyModule {}
    const { lifecycle, report } = await shutDownWithQuiesce(PropertyModule);
    expect(lifecycle.graph().nodes.find((n) => n.name === 'Sessions')!.dependsOn).toContain('Store');
    expect(log).toEqual(['sessions saved', 'store closed']);
    expect(report.node('Store')!.waitedFor).toBe('Sessions');
  });
});
