import { startServer } from './server.js';
import { runClient } from './client.js';

// Server and client in one process, on a free port: the whole flow, what
// the backend (the demo agent) received, then the shutdown.
const server = await startServer(0);
console.log(`NDJSON gateway on 127.0.0.1:${server.port}`);
try {
  await runClient(server.port, (line) => console.log(`  client: ${line}`));
  console.log(`agents received: ${[...server.agent.received.keys()].join(', ')}`);
  console.log(`gateway: ${server.gateway.clientCount} clients left`);
} finally {
  await server.close();
}
console.log('done');
