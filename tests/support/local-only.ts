/**
 * Tests create and drop databases: refuse anything but a server on this machine,
 * so that a stray DATABASE_URL can never point them at a real fleet's data.
 */
export function assertLocalUrl(url: string, what: string): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  if (!["127.0.0.1", "localhost", "::1"].includes(host)) {
    throw new Error(`${what} points at ${host}; tests only run against a server on this machine (127.0.0.1).`);
  }
}
