import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { freePort } from "@/lib/embedded/ports";
import { sleep } from "./time";

/**
 * The production web server (scripts/web-server.ts, as `npm start` and the browser tests
 * run it) on a free port of 127.0.0.1, against this process's environment (the test
 * database, AUTH_SECRET, FIRMWARE_DIR). It needs the production build that `npm test` makes
 * first (NEXT_DIST_DIR, default .next): wire tests skip themselves when `hasBuild` is false.
 */
export const distDir = process.env.NEXT_DIST_DIR || ".next";
export const hasBuild = fs.existsSync(path.resolve(distDir, "BUILD_ID"));

const STARTUP_TIMEOUT_MS = 60_000;
/** For a test's beforeAll: the server's start-up plus a margin. */
export const WEB_SERVER_HOOK_TIMEOUT_MS = STARTUP_TIMEOUT_MS + 10_000;

export interface WebServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  base: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  output: () => string;
  /** SIGTERM to its PID, SIGKILL after 10 s; resolves once it has exited. */
  stop: () => Promise<void>;
}

export async function startWebServer(): Promise<WebServer> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/web-server.ts", "-p", String(port), "-H", "127.0.0.1"],
    {
      env: { ...process.env, NODE_ENV: "production", PORT: String(port), PUBLIC_URL: base },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const server: WebServer = { base, child, output: () => out, stop: () => stop(child) };
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the web server exited with ${child.exitCode}:\n${out}`);
    const up = await fetch(`${base}/openapi.json`)
      .then((r) => r.ok)
      .catch(() => false);
    if (up) return server;
    await sleep(250);
  }
  await server.stop();
  throw new Error(`the web server did not answer within ${STARTUP_TIMEOUT_MS} ms:\n${out}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const pid = child.pid;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(pid, "SIGTERM");
  const timer = setTimeout(() => process.kill(pid, "SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
