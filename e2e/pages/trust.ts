import type { Locator, Page } from "@playwright/test";
import { AppPage } from "./app-page";

/** /app/trust: command-signing keys, release keys and "Require signed firmware". */
export class TrustPage extends AppPage {
  readonly signingKeysSection: Locator;
  readonly signingKeys: Locator;
  readonly stage: Locator;
  readonly jwks: Locator;
  readonly releaseKeys: Locator;
  readonly addReleaseKey: Locator;
  readonly addDialog: Locator;
  readonly requireSigned: Locator;

  constructor(page: Page) {
    super(page);
    this.signingKeysSection = page.getByRole("region", { name: "Command-signing keys" });
    this.signingKeys = page.getByRole("table", { name: "Signing keys" });
    this.stage = page.getByRole("button", { name: "Stage a new key" });
    this.jwks = page.getByLabel("JWKS", { exact: true });
    this.releaseKeys = page.getByRole("table", { name: "Release keys" });
    this.addReleaseKey = page.getByRole("button", { name: "Add release key" });
    this.addDialog = page.getByRole("dialog", { name: "Add release key" });
    this.requireSigned = page.getByRole("switch", { name: "Require signed firmware" });
  }

  async goto(): Promise<void> {
    await this.page.goto("/app/trust");
  }

  /** The signing key's row (found by its key ID). */
  signingKeyRow(kid: string): Locator {
    return this.signingKeys.getByRole("row").filter({ hasText: kid });
  }

  /** The second step of a rotation: "Activate" on the key's row, confirmed. */
  async activate(kid: string): Promise<void> {
    await this.signingKeyRow(kid)
      .getByRole("button", { name: `Activate key ${kid}` })
      .click();
    await this.confirm("Activate this signing key?", "Activate key");
  }

  async retireSigningKey(kid: string): Promise<void> {
    await this.signingKeyRow(kid)
      .getByRole("button", { name: `Retire key ${kid}` })
      .click();
    await this.confirm("Retire this signing key?", "Retire key");
  }

  /** The JWKS as the page shows it (the disclosure is opened first). */
  async shownJwks(): Promise<unknown> {
    if (!(await this.jwks.isVisible())) await this.page.getByText("Show the JWKS").click();
    return JSON.parse((await this.jwks.textContent()) ?? "");
  }

  /** Fills and sends the "Add release key" dialog (opened here). */
  async addKey(name: string, publicKey: string): Promise<void> {
    if (!(await this.addDialog.isVisible())) await this.addReleaseKey.click();
    await this.addDialog.getByLabel("Name").fill(name);
    await this.addDialog.getByLabel("Public key").fill(publicKey);
    await this.addDialog.getByRole("button", { name: "Add key" }).click();
  }

  releaseKeyRow(name: string): Locator {
    return this.releaseKeys.getByRole("row").filter({ hasText: name });
  }
}
