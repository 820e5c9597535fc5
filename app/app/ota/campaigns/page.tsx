import { StatusBadge } from "@/components/ui/status-badge";
import { requirePrincipal } from "@/lib/auth/session";
import { withTenant } from "@/lib/db/tenant";
import { webDb } from "@/lib/db/web";
import { listCampaigns } from "@/lib/ota/campaigns";

export const dynamic = "force-dynamic";

/** The campaign list (server-rendered for now; the interactive dashboard is issue 5's). */
export default async function CampaignsPage() {
  const principal = await requirePrincipal();
  const { campaigns, total } = await withTenant(webDb().db, principal.tenantId, (tx) =>
    listCampaigns(tx, principal.tenantId, { limit: 50, offset: 0 }),
  );
  return (
    <section>
      <h1 className="text-xl font-semibold tracking-tight">OTA Campaigns</h1>
      <p className="mt-1 text-sm text-slate-500">{total} campaign{total === 1 ? "" : "s"}</p>
      {campaigns.length === 0 ? (
        <p className="mt-6 rounded-lg border border-dashed border-slate-300 p-8 text-center text-sm text-slate-500">
          No campaigns yet.
        </p>
      ) : (
        <table className="mt-6 w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-sm">
          <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-4 py-2">Name</th>
              <th className="px-4 py-2">Status</th>
              <th className="px-4 py-2">Firmware</th>
              <th className="px-4 py-2">Target group</th>
              <th className="px-4 py-2">Strategy</th>
              <th className="px-4 py-2">Progress</th>
              <th className="px-4 py-2">Created</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {campaigns.map((c) => (
              <tr key={c.id}>
                <td className="px-4 py-2 font-medium">{c.name}</td>
                <td className="px-4 py-2">
                  <StatusBadge status={c.status} />
                </td>
                <td className="px-4 py-2">{c.firmware_version}</td>
                <td className="px-4 py-2">{c.target_group_id}</td>
                <td className="px-4 py-2">{c.rollout_strategy}</td>
                <td className="px-4 py-2">
                  {c.succeeded}/{c.total_devices} ({c.failed} failed)
                </td>
                <td className="px-4 py-2 text-slate-500">
                  <time dateTime={c.created_at ?? undefined}>{c.created_at?.slice(0, 16).replace("T", " ")}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
