import { describe, expect, it } from 'vitest';
import { LifecycleContainer } from '../src/index.js';
import { lifecycleModule } from '../src/kit/main.js';

describe('modules group resources', () => {
  it('registers every resource of a module, with dependencies across modules', async () => {
    const stopped: string[] = [];
    const storage = lifecycleModule('storage', (app) => {
      app.value('config', { url: 'x' });
      app.resource('pool', { create: ({ get }) => ({ url: get<{ url: string }>('config').url }), stop: () => void stopped.push('pool'), dependsOn: ['config'] });
    });
    const web = lifecycleModule('web', (app) => app.resource('http', { value: {}, stop: () => void stopped.push('http'), dependsOn: ['pool'] }));
    const app = new LifecycleContainer().load(storage, web);
    await app.start();
    expect(app.get<{ url: string }>('pool').url).toBe('x');
    await app.shutdown();
    expect(stopped).toEqual(['http', 'pool']);
  });
});
