import type { ReactNode } from "react";
import { Header } from "@/components/layout/header";
import { HealthBanner } from "@/components/layout/health-banner";
import { Sidebar } from "@/components/layout/sidebar";
import { SessionProvider } from "@/components/session";
import { ToastProvider } from "@/components/ui/toast";
import { requirePrincipal } from "@/lib/auth/session";
import { tenantName } from "@/lib/db/queries/tenants";
import { withTenant } from "@/lib/db/tenant";
import { webDb } from "@/lib/db/web";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const principal = await requirePrincipal();
  const name = await withTenant(webDb().db, principal.tenantId, (tx) => tenantName(tx, principal.tenantId));
  return (
    <SessionProvider session={{ email: principal.email, role: principal.role, tenantId: principal.tenantId }}>
      <ToastProvider>
        <div className="flex min-h-screen flex-col md:flex-row">
          <Sidebar />
          <div className="flex min-w-0 flex-1 flex-col">
            <Header principal={principal} tenantName={name} />
            <HealthBanner />
            <main id="main" tabIndex={-1} className="min-w-0 flex-1 p-4 focus:outline-none md:p-6">
              {children}
            </main>
          </div>
        </div>
      </ToastProvider>
    </SessionProvider>
  );
}
