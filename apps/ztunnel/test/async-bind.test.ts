import { AsyncLocalStorage, AsyncResource, executionAsyncId } from 'node:async_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindAddsAsyncResource, installLeanAsyncBind } from '../src/cli/async-bind.js';

describe('installLeanAsyncBind', () => {
  const nativeBind = AsyncResource.prototype.bind;
  const addsProperty = bindAddsAsyncResource();
  let uninstall: (() => void) | undefined;
  beforeAll(() => {
    uninstall = installLeanAsyncBind();
  });
  afterAll(() => uninstall?.());

  it('replaces bind exactly where Node still adds the deprecated property', () => {
    expect(uninstall === undefined).toBe(!addsProperty);
    expect(bindAddsAsyncResource()).toBe(false);
  });

  it('runs the function in the resource\'s async scope, with its context, arguments and result', () => {
    const storage = new AsyncLocalStorage<string>();
    const resource = storage.run('bound-here', () => new AsyncResource('test'));
    const bound = resource.bind(function (this: unknown, a: number, b: number) {
      return { id: executionAsyncId(), store: storage.getStore(), self: this, sum: a + b };
    });
    const self = { name: 'caller' };
    const seen = storage.run('called-here', () => bound.call(self, 2, 3));
    expect(seen).toEqual({ id: resource.asyncId(), store: 'bound-here', self, sum: 5 });
    expect(bound.length).toBe(2);
    expect(Object.getOwnPropertyDescriptor(bound, 'asyncResource')).toBeUndefined();
  });

  it('fixes `this` when given one, as the native bind does', () => {
    const resource = new AsyncResource('test');
    const target = { n: 7 };
    // @types/node leaves out bind's thisArg, which Node has taken since 16.
    type BindWithThis = (this: AsyncResource, fn: (this: { n: number }) => number, thisArg: unknown) => (this: unknown) => number;
    const read = function (this: { n: number }): number {
      return this.n;
    };
    const leanSeen = (resource.bind as unknown as BindWithThis).call(resource, read, target);
    const nativeSeen = (nativeBind as unknown as BindWithThis).call(resource, read, target);
    expect(leanSeen.call({ n: 1 })).toBe(7);
    expect(nativeSeen.call({ n: 1 })).toBe(7);
  });

  it('passes exceptions through and leaves the scope', () => {
    const outer = executionAsyncId();
    const bound = new AsyncResource('test').bind(() => {
      throw new Error('inside');
    });
    expect(() => bound()).toThrow('inside');
    expect(executionAsyncId()).toBe(outer);
  });

  it('refuses what is not a function, with Node\'s error code', () => {
    const resource = new AsyncResource('test');
    for (const bad of [undefined, null, 42, 'f', {}]) {
      expect(() => resource.bind(bad as unknown as () => void)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    }
  });

  it('serves AsyncResource.bind, the static form, too', () => {
    const bound = AsyncResource.bind(() => executionAsyncId(), 'static');
    expect(bound()).not.toBe(executionAsyncId());
    expect(Object.getOwnPropertyDescriptor(bound, 'asyncResource')).toBeUndefined();
  });
});
