import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";

/** The impacts that fail the build; "moderate" and "minor" are left to review. */
export const BLOCKING_IMPACTS = ["serious", "critical"] as const;

/** One failed rule on one page: `color-contrast (serious) × 3 on campaigns list`. */
export type A11yViolation = {
  page: string;
  rule: string;
  impact: string;
  count: number;
  targets: string[];
  /** axe-core's reason for the first element (for colour contrast: the colours and the ratio). */
  why: string;
};

/** Runs axe-core on the page as it is now and returns its serious and critical violations. */
export async function blockingViolations(page: Page, label: string): Promise<A11yViolation[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => (BLOCKING_IMPACTS as readonly string[]).includes(v.impact ?? ""))
    .map((v) => ({
      page: label,
      rule: v.id,
      impact: v.impact ?? "",
      count: v.nodes.length,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
      why: v.nodes[0]?.failureSummary?.split("\n").slice(1).join(" ").trim() ?? "",
    }));
}
