import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "@playwright/test";

/**
 * The Chromium that the browser tests drive, in this order: CHROMIUM_PATH, Debian's
 * /usr/bin/chromium, a browser installed by `npx playwright install chromium`, and last
 * the one shipped inside the `@sparticuz/chromium` dev dependency, which `npm install`
 * brings and which is extracted to the temporary directory on first use. So a machine
 * with nothing but Node runs `npm test` as it is.
 *
 * FLOTILLA_CHROMIUM=bundled skips the lookup and takes the package's browser (CI runs
 * the suite once each way); FLOTILLA_CHROMIUM=installed refuses the fallback.
 */
export type ChromiumChoice = {
  executablePath: string;
  source: "CHROMIUM_PATH" | "system" | "playwright" | "bundled";
  /**
   * For the package's browser: a fontconfig directory naming only the fonts extracted
   * beside the binary (Open Sans), so that text renders the same on a machine without fonts.
   */
  fontconfigPath?: string;
};

/** Debian's and Ubuntu's package paths. */
export const SYSTEM_CHROMIUMS = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/**
 * Our launch flags, for every browser (the package's serverless set, with
 * --single-process and --disable-web-security, is deliberately not used).
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

type Mode = "auto" | "bundled" | "installed";

function mode(): Mode {
  const value = process.env.FLOTILLA_CHROMIUM ?? "auto";
  if (value === "auto" || value === "bundled" || value === "installed") return value;
  throw new Error(`FLOTILLA_CHROMIUM must be auto, bundled or installed, not "${value}"`);
}

/** An installed Chromium, or undefined: CHROMIUM_PATH, then `systemPaths`, then Playwright's own. */
export function installedChromium(systemPaths: readonly string[] = SYSTEM_CHROMIUMS): ChromiumChoice | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return { executablePath: fromEnv, source: "CHROMIUM_PATH" };
  }
  const system = systemPaths.find((p) => fs.existsSync(p));
  if (system) return { executablePath: system, source: "system" };
  const own = chromium.executablePath();
  if (own && fs.existsSync(own)) return { executablePath: own, source: "playwright" };
  return undefined;
}

/**
 * The package's browser, given the binary it extracted, with a fontconfig of our own:
 * the package's fonts.conf names /tmp/fonts whatever the temporary directory is.
 */
function bundled(executablePath: string): ChromiumChoice {
  const dir = path.dirname(executablePath);
  const fontconfigPath = path.join(dir, "flotilla-fontconfig");
  const file = path.join(fontconfigPath, "fonts.conf");
  const conf =
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
    `  <dir>${path.join(dir, "fonts")}</dir>\n  <cachedir>${path.join(fontconfigPath, "cache")}</cachedir>\n</fontconfig>\n`;
  // Written once: a browser already running may be reading it.
  if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== conf) {
    fs.mkdirSync(fontconfigPath, { recursive: true });
    fs.writeFileSync(file, conf);
  }
  return { executablePath, source: "bundled", fontconfigPath };
}

const NONE_INSTALLED =
  "No Chromium found for the end-to-end tests (CHROMIUM_PATH, /usr/bin/chromium, Playwright's own) " +
  "and FLOTILLA_CHROMIUM=installed refuses the @sparticuz/chromium fallback.";

/** Resolves the browser, extracting the package's one when it is the choice (a few seconds, once). */
export async function resolveChromium(systemPaths?: readonly string[]): Promise<ChromiumChoice> {
  const m = mode();
  if (m !== "bundled") {
    const found = installedChromium(systemPaths);
    if (found) return found;
    if (m === "installed") throw new Error(NONE_INSTALLED);
  }
  const { default: sparticuz } = await import("@sparticuz/chromium");
  return bundled(await sparticuz.executablePath());
}

/**
 * The same, synchronously, for playwright.config.ts. `npm test` resolves the browser
 * first and passes it in CHROMIUM_PATH (and FONTCONFIG_PATH); run directly
 * (`npx playwright test`), the package's browser is extracted by a child process.
 */
export function resolveChromiumSync(): ChromiumChoice {
  const m = mode();
  if (m !== "bundled") {
    const found = installedChromium();
    if (found) return found;
    if (m === "installed") throw new Error(NONE_INSTALLED);
  }
  const script =
    "const { default: c } = await import('@sparticuz/chromium'); process.stdout.write(await c.executablePath());";
  const executablePath = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
  }).trim();
  return bundled(executablePath);
}

/** The environment that hands a resolved browser to Playwright (read back by resolveChromiumSync). */
export function chromiumEnv(choice: ChromiumChoice): Record<string, string> {
  return {
    CHROMIUM_PATH: choice.executablePath,
    // Already resolved: the config must not look again (and find something else).
    FLOTILLA_CHROMIUM: "auto",
    ...(choice.fontconfigPath ? { FONTCONFIG_PATH: choice.fontconfigPath } : {}),
  };
}
