import type { ReactNode } from "react";
import { Header } from "@/components/layout/header";
import { Sidebar } from "@/components/layout/sidebar";
import { requirePrincipal } from "@/lib/auth/session";
import { tenantName } from "@/lib/db/queries/tenants";
import { withTenant } from "@/lib/db/tenant";
import { webDb } from "@/lib/db/web";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const principal = await requirePrincipal();
  const name = await withTenant(webDb().db, principal.tenantId, (tx) => tenantName(tx, principal.tenantId));
  return (
    <div className="flex min-h-screen">
      <Sidebar />
      <div className="flex min-w-0 flex-1 flex-col">
        <Header principal={principal} tenantName={name} />
        <main className="flex-1 p-6">{children}</main>
      </div>
    </div>
  );
}
