import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EventReceiver {
  /** Where the storage server should send events for this function. */
  url: string;
  /** Every event the function was invoked with, failed invocations included. */
  events: CloudEvent<unknown>[];
  close(): Promise<void>;
}

/**
 * Registers a CloudEvent function with the Functions Framework (as the project's functions are)
 * and serves it on a loopback port, so events arrive through the framework's own parsing.
 * `failFirst` invocations throw, which the framework answers with a 500.
 */
export async function receiveEvents(name: string, failFirst = 0): Promise<EventReceiver> {
  const events: CloudEvent<unknown>[] = [];
  cloudEvent(name, (event: CloudEvent<unknown>) => {
    events.push(event);
    if (events.length <= failFirst) throw new Error(`${name}: failing invocation ${events.length} on purpose`);
  });
  const server: Server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    events,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL where nothing listens: every delivery attempt is refused. */
export async function deadTarget(): Promise<string> {
  const { createServer } = await import('node:http');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/`;
}
