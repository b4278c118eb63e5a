/**
 * Loaded into every kernel process the runner starts (through kernel_guard.ts): tslab's messages
 * are never lost to a busy socket.
 *
 * tslab sends every message with `sock.send(...)` and does not wait for it. zeromq 6 completes a
 * send at once only 512 times in a row; the next one waits for the event loop, and until it has
 * gone every further send on that socket throws EBUSY ("Socket is busy writing") synchronously.
 * A cell that prints more than ~500 lines in one go, or a busy kernel's progress output, then
 * loses messages: a `console.log` throws inside the cell, tslab's own report of that error throws
 * too (so the cell fails with no message), and a lost `status: idle` leaves the runner waiting
 * for the cell's timeout. Here a send that meets a busy socket queues behind the one in flight,
 * and later sends keep their order behind it; and the publisher drops nothing (below).
 */
import { createRequire } from 'node:module';

interface Sendable {
  send(...args: unknown[]): Promise<void>;
}

const queues = new WeakMap<object, { tail: Promise<unknown>; waiting: number; last: Promise<unknown> }>();

function isBusy(e: unknown): boolean {
  return (e as { code?: string } | null)?.code === 'EBUSY';
}

export function queueBusySends(proto: Sendable): void {
  const send = proto.send;
  if ((send as { cvglQueued?: boolean }).cvglQueued) return;
  const queued = function (this: object, ...args: unknown[]): Promise<void> {
    let q = queues.get(this);
    if (!q) queues.set(this, (q = { tail: Promise.resolve(), waiting: 0, last: Promise.resolve() }));
    if (q.waiting === 0) {
      try {
        const p = send.apply(this, args);
        p.catch(() => {}); // tslab never looks at the outcome; a closed socket must not crash the kernel
        q.last = p;
        return p;
      } catch (e) {
        if (!isBusy(e)) throw e;
        q.tail = q.last;
      }
    }
    const state = q;
    state.waiting++;
    const p = state.tail.catch(() => {}).then(() => send.apply(this, args));
    state.tail = p.finally(() => state.waiting--);
    state.tail.catch(() => {});
    return p;
  };
  (queued as { cvglQueued?: boolean }).cvglQueued = true;
  // zeromq's native method is read-only but configurable
  Object.defineProperty(proto, 'send', { value: queued, writable: true, configurable: true });
}

/**
 * A publisher drops what it cannot deliver once 1,000 messages wait (zeromq's default high-water
 * mark): a cell printing a few thousand lines at once lost some. The runner reads iopub all the
 * time, so the kernel's publisher keeps everything (0: no limit), set before it binds.
 */
function keepEveryPublished(zmq: { Publisher: { prototype: object } }): void {
  // Socket.prototype.bind is native and not configurable: shadow it on the Publisher class
  const proto = zmq.Publisher.prototype as { bind(this: object, ...args: unknown[]): Promise<void> };
  const bind = proto.bind;
  const bound = function (this: object, ...args: unknown[]): Promise<void> {
    (this as { sendHighWaterMark: number }).sendHighWaterMark = 0;
    return bind.apply(this, args);
  };
  Object.defineProperty(proto, 'bind', { value: bound, writable: true, configurable: true });
}

/** Patches the zeromq that tslab loads (the project's, resolved from here). */
export function queueKernelSends(): void {
  try {
    const zmq = createRequire(import.meta.url)('zeromq') as { Socket: { prototype: Sendable }; Publisher: { prototype: object } };
    queueBusySends(zmq.Socket.prototype);
    keepEveryPublished(zmq);
  } catch {
    /* no zeromq here: nothing to patch */
  }
}
