import { createServer, type Server, type Socket } from 'node:net';
import { Client, type Transport } from './client.js';
import type { CacheEngine } from './engine.js';

/**
 * The TCP side (networking.c): one Client per socket, input handed to the client's parser on
 * every read event, replies written once per read event. Sockets are no-delay, as in Redis.
 */
export function listen(engine: CacheEngine, port: number, host: string): Promise<Server> {
  const server = createServer({ noDelay: true }, (socket) => accept(engine, socket));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

const PUBSUB_OUTPUT_LIMIT = 32 * 1024 * 1024;

function accept(engine: CacheEngine, socket: Socket): void {
  if (engine.clients.size >= engine.config.number('maxclients')) {
    engine.stats.rejectedConnections++;
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
}

function formatAddress(address: string | undefined, port: number | undefined): string {
  if (!address) return '';
  return address.includes(':') && !address.startsWith('::ffff:')
    ? `[${address}]:${port}`
    : `${address.replace(/^::ffff:/, '')}:${port}`;
}
