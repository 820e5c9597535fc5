"use client";

import { useHealth } from "@/lib/api-client/health";

/** Shown on every page when nothing will progress: no worker beating, no broker, or no database. */
export function HealthBanner() {
  const { data, error } = useHealth();
  let message: string | null = null;
  if (error) message = "Flotilla cannot reach its database: pages may be out of date and actions may fail.";
  else if (data && data.status !== "ok") {
    const alive = data.workers.filter((w) => w.alive);
    message =
      alive.length === 0
        ? "No rollout worker is running: campaigns will not progress and device reports are not recorded."
        : "The rollout worker cannot reach the MQTT broker: commands and device reports are on hold.";
  }
  if (!message) return null;
  return (
    <div role="status" className="border-b border-amber-300 bg-amber-50 px-6 py-2 text-sm font-medium text-amber-900">
      {message}
    </div>
  );
}
