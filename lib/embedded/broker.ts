import net from "node:net";
import { Aedes } from "aedes";

export interface EmbeddedBroker {
  url: string;
  close: () => Promise<void>;
}

/**
 * An MQTT broker inside this Node process (aedes), on loopback. With a username
 * and password it refuses clients that do not present them, like a production
 * broker would. aedes has no shared subscriptions (`$share/...`).
 */
export async function startEmbeddedBroker(opts: {
  port: number;
  host?: string;
  username?: string;
  password?: string;
  /** Refuses a publish when it returns an Error (aedes then drops the client's connection). */
  authorizePublish?: (topic: string) => Error | null;
}): Promise<EmbeddedBroker> {
  const host = opts.host ?? "127.0.0.1";
  const broker = await Aedes.createBroker();
  if (opts.username !== undefined) {
    broker.authenticate = (_client, username, password, done) => {
      const ok = username === opts.username && password?.toString() === (opts.password ?? "");
      done(null, ok);
    };
  }
  if (opts.authorizePublish) {
    const check = opts.authorizePublish;
    broker.authorizePublish = (_client, packet, done) => done(check(packet.topic));
  }
  const server = net.createServer(broker.handle);
  const sockets = new Set<net.Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  return {
    url: `mqtt://${host}:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}
