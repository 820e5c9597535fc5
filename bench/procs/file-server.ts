/**
 * The ceiling of the device-download figure: a bare `node:http` server on 127.0.0.1 that
 * answers every request with the one stored file, `fs.createReadStream(file)` piped to the
 * response with its Content-Length. No signature, no database, no routing: what Node
 * itself does with the same bytes on the same machine, to set the web server's figure
 * beside (docs/performance.md, "Device downloads").
 */
import fs from "node:fs";
import http from "node:http";
import { pipeline } from "node:stream/promises";
import { emit } from "../children";

const file = process.env.BENCH_FILE!;
const port = Number(process.env.BENCH_FILE_PORT);
const size = fs.statSync(file).size;

const server = http.createServer((_req, res) => {
  res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": String(size) });
  // As the web server does: a client that hangs up just releases the file.
  pipeline(fs.createReadStream(file), res).catch(() => res.destroy());
});
server.listen(port, "127.0.0.1", () => emit({ type: "ready", url: `http://127.0.0.1:${port}/firmware.bin` }));
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
