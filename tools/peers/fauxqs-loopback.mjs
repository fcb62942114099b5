// Starts fauxqs (an SQS emulator) on 127.0.0.1 only. Its own CLI listens on 0.0.0.0, so this builds the
// app with fauxqs's buildApp() and listens itself.
// Usage: node fauxqs-loopback.mjs [PORT]   (PORT 0 or absent: any free port)
// Prints "fauxqs listening on 127.0.0.1:PORT" once it accepts connections; SIGTERM ends it.
import { buildApp } from "fauxqs";

const HOST = "127.0.0.1";
const port = Number.parseInt(process.argv[2] ?? "0", 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
	console.error(`fauxqs-loopback: bad port ${process.argv[2]}`);
	process.exit(2);
}
// Request logs only on demand: the verifying proxy already logs one line per request.
const app = buildApp({ logger: process.env.FAUXQS_LOGGER === "true", defaultRegion: process.env.AWS_REGION });
await app.listen({ port, host: HOST });
const address = app.server.address();
if (address?.address !== HOST) {
	console.error(`fauxqs-loopback: listening on ${JSON.stringify(address)}, not ${HOST}`);
	process.exit(1);
}
console.log(`fauxqs listening on ${HOST}:${address.port}`);
// SIGTERM and SIGINT keep their default action (end the process at once): the queues live in memory
// and there is nothing to flush.
