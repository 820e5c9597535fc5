import { eq } from "drizzle-orm";
import type { DbOrTx } from "../client";
import { tenants } from "../schema";

export async function tenantName(tx: DbOrTx, tenantId: string): Promise<string> {
  const [row] = await tx.select({ name: tenants.name }).from(tenants).where(eq(tenants.tenantId, tenantId));
  return row?.name ?? tenantId;
}
