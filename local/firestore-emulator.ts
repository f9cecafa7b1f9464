import { FirestoreServer } from '@firestore-emulator/server';

export interface RunningEmulator {
  /** host:port, the value for FIRESTORE_EMULATOR_HOST. */
  host: string;
  stop(): void;
}

interface GrpcServer {
  bindAsync(address: string, credentials: unknown, done: (error: Error | null, port: number) => void): void;
}

/**
 * The in-process Firestore emulator, bound to loopback only. Its own `start` listens on every
 * interface, so we bind its gRPC server ourselves, with the grpc-js copy it was built against.
 */
export async function startFirestoreEmulator(port = 0): Promise<RunningEmulator> {
  const emulator = new FirestoreServer();
  const grpc = require(
    require.resolve('@grpc/grpc-js', { paths: [require.resolve('@firestore-emulator/server')] }),
  ) as {
    ServerCredentials: { createInsecure(): unknown };
  };
  const server = (emulator as unknown as { server: GrpcServer }).server;
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, actual) =>
      error ? reject(error) : resolve(actual),
    ),
  );
  return { host: `127.0.0.1:${bound}`, stop: () => emulator.stop() };
}
