/**
 * The transport floor: a bare grpc-js server on loopback whose one unary method returns the
 * request bytes as they came, with no decoding at all. It prints its port as a JSON line.
 */
import { Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';

/** The same path bench/grpc-load.ts calls. */
const ECHO_PATH = '/bench.Echo/Echo';

const identity = (b: Buffer): Buffer => b;
const service: ServiceDefinition = {
  echo: {
    path: ECHO_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

const server = new Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
server.addService(service, {
  echo: (call: { request: Buffer }, callback: (e: null, r: Buffer) => void) =>
    callback(null, call.request),
});
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
process.once('SIGTERM', () => server.forceShutdown());
