/**
 * Start the blog service: `npx tsx examples/http/server.ts [database-url]`
 * (SQLite in memory by default), then `curl localhost:3000/users`.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createEngine } from '../../src/index.js';
import { database, type Database } from '../../src/orm/index.js';
import { createApp } from './app.js';
import { blogTables } from './schema.js';

/** The service listening on `port` (0: any free port), and its base URL. */
export async function startServer(db: Database, port = 0): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const app = createApp(db);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections(); // idle keep-alive sockets would hold close() for seconds
      }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const engine = createEngine(process.argv[2] ?? 'sqlite::memory:');
  await engine.createAll(blogTables, { ifNotExists: true });
  const { url } = await startServer(database(engine), 3000);
  console.log(`blog service on ${url}`);
}
