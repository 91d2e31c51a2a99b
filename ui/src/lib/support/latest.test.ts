import { describe, expect, it } from 'vitest';
import { IpcFailure } from '../ipc';
import { Latest } from './latest';

function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
} {
  let resolve: (value: T) => void = () => undefined;
  let reject: (reason: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('numbered loads', () => {
  it('drops an answer that arrives after a newer load began', async () => {
    const loads = new Latest();
    const applied: string[] = [];
    const first = deferred<string>();
    const second = deferred<string>();
    const a = loads.run(
      () => first.promise,
      (v) => applied.push(v),
      () => undefined,
    );
    const b = loads.run(
      () => second.promise,
      (v) => applied.push(v),
      () => undefined,
    );
    second.resolve('new');
    await b;
    first.resolve('old');
    await a;
    expect(applied).toEqual(['new']);
  });

  it('drops a stale failure too, and reports a current one as an IpcFailure', async () => {
    const loads = new Latest();
    const failures: IpcFailure[] = [];
    const first = deferred<string>();
    const a = loads.run(
      () => first.promise,
      () => undefined,
      (f) => failures.push(f),
    );
    const b = loads.run(
      () => Promise.reject(new Error('boom')),
      () => undefined,
      (f) => failures.push(f),
    );
    await b;
    first.reject('late');
    await a;
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(IpcFailure);
    expect(failures[0]?.code).toBe('internal');
  });

  it('lets an action supersede the loads in flight', async () => {
    const loads = new Latest();
    const applied: string[] = [];
    const pending = deferred<string>();
    const a = loads.run(
      () => pending.promise,
      (v) => applied.push(v),
      () => undefined,
    );
    loads.invalidate();
    pending.resolve('stale');
    await a;
    expect(applied).toEqual([]);
  });
});
