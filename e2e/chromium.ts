import fs from "node:fs";

/**
 * The Chromium that tests drive: CHROMIUM_PATH, then Debian's /usr/bin/chromium.
 * Playwright cannot download its own browser on these machines, so a missing one
 * is a clear error, not a download attempt. Returns undefined to let Playwright use
 * its own installed browser when PLAYWRIGHT_OWN_BROWSER=1.
 */
export function chromiumPath(): string | undefined {
  if (process.env.PLAYWRIGHT_OWN_BROWSER === "1") return undefined;
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(
    (p): p is string => Boolean(p),
  );
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(
      "No Chromium found for the end-to-end tests. Install one with `apt-get install -y chromium` " +
        "(or set CHROMIUM_PATH to a Chromium binary, or PLAYWRIGHT_OWN_BROWSER=1 after `npx playwright install chromium`).",
    );
  }
  return found;
}
