import { expect, type Locator, type Page } from "@playwright/test";
import { AppPage } from "./app-page";

/** /app/ota/campaigns/new: firmware, target group, settings, review. */
export class WizardPage extends AppPage {
  readonly steps: Locator;
  readonly currentStep: Locator;
  readonly next: Locator;
  readonly deviceType: Locator;
  readonly name: Locator;
  readonly canaryShare: Locator;
  readonly rolloutRate: Locator;
  readonly abortThreshold: Locator;
  readonly minimumSample: Locator;
  readonly timeout: Locator;
  readonly timeoutUnit: Locator;
  readonly maxInFlight: Locator;
  readonly preview: Locator;
  readonly summary: Locator;
  readonly startNow: Locator;
  readonly create: Locator;

  constructor(page: Page) {
    super(page);
    this.steps = page.getByRole("list", { name: "Steps" });
    this.currentStep = this.steps.locator('[aria-current="step"]');
    this.next = page.getByRole("button", { name: "Next", exact: true });
    this.deviceType = page.getByLabel("Device type");
    this.name = page.getByLabel("Name", { exact: true });
    this.canaryShare = page.getByLabel("Canary share (%)");
    this.rolloutRate = page.getByLabel("Rollout rate (devices per tick)");
    this.abortThreshold = page.getByLabel("Abort threshold (%)");
    this.minimumSample = page.getByLabel("Minimum sample (finished devices)");
    this.timeout = page.getByLabel("Device timeout", { exact: true });
    this.timeoutUnit = page.getByLabel("Timeout unit");
    this.maxInFlight = page.getByLabel("Max in flight (optional)");
    this.preview = page.getByRole("region", { name: "Rollout preview" });
    this.summary = page.getByLabel("Campaign summary");
    this.startNow = page.getByRole("checkbox", { name: /Start now/ });
    this.create = page.getByRole("button", { name: "Create campaign" });
  }

  async goto(): Promise<void> {
    await this.page.goto("/app/ota/campaigns/new");
  }

  /** A firmware card (step 1) or a group card (step 2), by its accessible name. */
  option(name: string | RegExp): Locator {
    return this.page.getByRole("radio", { name });
  }

  async chooseCanary(share: number): Promise<void> {
    await this.option(/Canary/).check();
    await this.canaryShare.fill(String(share));
  }

  /** After "Create campaign": the new campaign's page. */
  async expectCreated(name: string): Promise<void> {
    await expect(this.page).toHaveURL(/\/app\/ota\/campaigns\/\d+$/);
    await expect(this.heading(name, 1)).toBeVisible();
  }
}
