import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What every provider fake shares: the requests it saw, and the failures and hangs a test scripted. */
export class Script<R, A extends ScriptedAnswer = ScriptedAnswer> {
  private recorded: R[] = [];
  private failures: A[] = [];
  private hangs = 0;

  /** Records the request; says how to answer it: hang (never answer), a scripted failure, or normally. */
  next(request: R): 'hang' | A | 'normal' {
    this.recorded.push(request);
    if (this.hangs > 0) {
      this.hangs -= 1;
      return 'hang';
    }
    return this.failures.shift() ?? 'normal';
  }

  /** The controls a fake hands its tests (the `FakeProvider` shape of @verity/channel-sdk/contract). */
  controls() {
    return {
      requests: () => [...this.recorded],
      reset: () => {
        this.recorded = [];
        this.failures = [];
        this.hangs = 0;
      },
      failNext: (times: number, answer: A) => {
        for (let i = 0; i < times; i += 1) this.failures.push(answer);
      },
      hangNext: (times: number) => {
        this.hangs += times;
      },
    };
  }
}

/** Listens on a free loopback port; `close` also drops kept-alive and hanging connections. */
export async function listen(server: Server): Promise<{ port: number; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
