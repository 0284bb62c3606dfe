// AsyncResource.bind without the `asyncResource` property, for the ztunnel process.
//
// Node 20 gives every function that AsyncResource.bind returns an `asyncResource` getter and setter, each wrapped by
// util.deprecate (DEP0172), and deprecate re-parents the wrapper's prototype. Node's HTTP/2 client binds one function
// per request(), so every tunnel paid for two deprecation wrappers: bind and deprecate were 5.6% of node-a's profile
// in the connection bench, and a request() on a local session cost 19-23 µs of CPU with them and 13-15 µs without
// (about 1% of a tunnelled connection's 0.5 ms). Node has since made the property End-of-Life (nodejs/node#58618),
// so a bound function there has no such property; this gives Node 20 the same behaviour. Process-wide, so only
// ztunnel's entry point installs it, never a library.
import { AsyncResource } from 'node:async_hooks';

type Bind = AsyncResource['bind'];

/** Whether this Node adds the deprecated `asyncResource` property to bound functions. */
export function bindAddsAsyncResource(): boolean {
  const bound = new AsyncResource('ztunnel.probe').bind(() => undefined);
  return Object.getOwnPropertyDescriptor(bound, 'asyncResource') !== undefined;
}

/**
 * Replaces AsyncResource.prototype.bind where this Node adds the property; returns a function that puts the
 * original back (tests), or undefined when nothing was replaced.
 */
export function installLeanAsyncBind(): (() => void) | undefined {
  if (!bindAddsAsyncResource()) return undefined;
  const original = Object.getOwnPropertyDescriptor(AsyncResource.prototype, 'bind');
  const lean = function bind(this: AsyncResource, fn: unknown, thisArg?: unknown) {
    return boundTo(this, fn, thisArg);
  } as Bind;
  Object.defineProperty(AsyncResource.prototype, 'bind', { ...original, value: lean });
  return () => {
    if (original) Object.defineProperty(AsyncResource.prototype, 'bind', original);
  };
}

/** `fn` run in `resource`'s async scope, with `thisArg` or else the caller's `this`; Node's checks and `length`. */
function boundTo(resource: AsyncResource, fn: unknown, thisArg: unknown): unknown {
  if (typeof fn !== 'function') {
    const received = fn === null ? 'null' : typeof fn;
    const err = new TypeError(`The "fn" argument must be of type function. Received ${received}`);
    throw Object.assign(err, { code: 'ERR_INVALID_ARG_TYPE' });
  }
  const call = fn as (this: unknown, ...args: unknown[]) => unknown;
  const bound =
    thisArg === undefined
      ? function (this: unknown, ...args: unknown[]): unknown {
          return resource.runInAsyncScope(call, this, ...args);
        }
      : (...args: unknown[]): unknown => resource.runInAsyncScope(call, thisArg, ...args);
  const length = { configurable: true, enumerable: false, writable: false, value: call.length };
  Object.defineProperty(bound, 'length', length);
  return bound;
}
