import { createServer, type Server, Socket } from 'node:net';
import { Client, type Transport } from './client.js';
import type { CacheEngine } from './engine.js';

/**
 * The TCP side (networking.c): one Client per socket, input handed to the client's parser on
 * every read event, replies written once per read event. Sockets are no-delay, as in Redis.
 */
export function listen(engine: CacheEngine, port: number, host: string): Promise<Server> {
  const server = createServer({ noDelay: true, pauseOnConnect: true }, (socket) => accept(engine, socket));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

const PUBSUB_OUTPUT_LIMIT = 32 * 1024 * 1024;

/**
 * Reads straight into one buffer shared by every socket (Node's `onread` mode), instead of a
 * fresh Buffer per read pushed through the Readable stream machinery ('data' event, a
 * nextTick per read). Safe because each read is parsed synchronously in its callback and the
 * parser copies out any incomplete rest (RequestParser#release).
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * `net.Server` has no `onread` option for accepted sockets (only `new net.Socket` has), so the
 * accepted socket is switched to it the way its constructor does: the three internal slots it
 * sets plus `useUserBuffer` on the handle, before reading starts (pauseOnConnect). Where a Node
 * version lacks them, the socket keeps the 'data' event.
 */
type ReadCallback = (bytes: number, buffer: Buffer) => void;
interface UserBufferHandle {
  useUserBuffer?(buffer: Uint8Array): void;
}
const probe = new Socket();
const slots = new Map(Object.getOwnPropertySymbols(probe).map((symbol) => [symbol.description, symbol]));
probe.destroy();
const kBuffer = slots.get('kBuffer');
const kBufferCb = slots.get('kBufferCb');

function readInto(socket: Socket, onRead: ReadCallback): boolean {
  const handle = (socket as unknown as { _handle?: UserBufferHandle })._handle;
  if (!kBuffer || !kBufferCb || typeof handle?.useUserBuffer !== 'function') return false;
  const slotted = socket as unknown as Record<symbol, unknown>;
  slotted[kBuffer] = READ_BUFFER;
  slotted[kBufferCb] = onRead;
  handle.useUserBuffer(READ_BUFFER);
  return true;
}

function accept(engine: CacheEngine, socket: Socket): void {
  if (engine.clients.size >= engine.config.number('maxclients')) {
    engine.stats.rejectedConnections++;
    socket.resume();
    socket.end('-ERR max number of clients reached\r\n');
    return;
  }
  const transport: Transport = {
    remoteAddress: formatAddress(socket.remoteAddress, socket.remotePort),
    localAddress: formatAddress(socket.localAddress, socket.localPort),
    write(data) {
      engine.stats.netOutputBytes += data.length;
      socket.write(data, 'latin1');
      // A subscriber that does not read its messages must not grow the server's memory without
      // bound (client-output-buffer-limit pubsub 32mb in Redis).
      if (client.subscriptions > 0 && socket.writableLength > PUBSUB_OUTPUT_LIMIT) client.close();
    },
    close() {
      socket.end();
      // A client that stopped reading must not keep the server's memory forever.
      setTimeout(() => socket.destroy(), 1000).unref();
    },
  };
  const client = new Client(engine, transport);
  engine.clientOpened(client);
  const borrowed = readInto(socket, (bytes, buffer) => {
    engine.stats.netInputBytes += bytes;
    client.receive(buffer.subarray(0, bytes), true);
  });
  if (!borrowed)
    socket.on('data', (chunk: Buffer) => {
      engine.stats.netInputBytes += chunk.length;
      client.receive(chunk);
    });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    if (!client.closed) {
      client.closed = true;
      engine.clientClosed(client);
    }
  });
  socket.resume();
}

function formatAddress(address: string | undefined, port: number | undefined): string {
  if (!address) return '';
  return address.includes(':') && !address.startsWith('::ffff:')
    ? `[${address}]:${port}`
    : `${address.replace(/^::ffff:/, '')}:${port}`;
}
