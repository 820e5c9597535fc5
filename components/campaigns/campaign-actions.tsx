"use client";

import { useState } from "react";
import { useCan } from "@/components/session";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { useToast } from "@/components/ui/toast";
import { useCampaignAction } from "@/lib/api-client/campaigns";
import type { CampaignStatus } from "@/lib/rules/statuses";
import { ACTIONS, legalActions, type ActionLabel } from "./rules";

interface Target {
  id: number;
  name: string;
  status: CampaignStatus;
  /** Devices not yet sent the update: they become SKIPPED on abort. */
  pending: number;
}

/**
 * The actions legal in the campaign's status, for operators and admins only (a viewer
 * sees none). Abort asks first, and says plainly what it does not undo.
 */
export function CampaignActions({ campaign, size = "sm" }: { campaign: Target; size?: "sm" | "md" }) {
  const canOperate = useCan("operator");
  const toast = useToast();
  const action = useCampaignAction();
  const [confirming, setConfirming] = useState(false);
  const legal = legalActions(campaign.status);
  if (!canOperate || legal.length === 0) return null;

  const run = (label: ActionLabel) =>
    action.mutate(
      { id: campaign.id, action: ACTIONS[label].verb },
      {
        onSuccess: () => {
          setConfirming(false);
          toast("success", `${ACTIONS[label].done} “${campaign.name}”`);
        },
        onError: (err) => toast("error", `Could not ${label.toLowerCase()} “${campaign.name}”: ${err.message}`),
      },
    );

  return (
    <div className="flex flex-wrap items-center gap-1.5">
      {legal.map((label) =>
        label === "Abort" ? (
          <button
            key={label}
            type="button"
            disabled={action.isPending}
            onClick={() => setConfirming(true)}
            className={`inline-flex items-center justify-center rounded-md border border-red-200 bg-white font-medium text-red-700 transition-colors hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-600 disabled:cursor-not-allowed disabled:text-red-300 ${
              size === "sm" ? "px-2.5 py-1 text-xs" : "px-3.5 py-2 text-sm"
            }`}
          >
            Abort
          </button>
        ) : (
          <Button
            key={label}
            size={size}
            variant={label === "Pause" ? "secondary" : "primary"}
            disabled={action.isPending}
            onClick={() => run(label)}
          >
            {label}
          </Button>
        ),
      )}
      {/* display: contents adds no box, but resets the nowrap a table cell would pass down to the dialog's text. */}
      <div className="contents text-left whitespace-normal">
        <Dialog open={confirming} onClose={() => setConfirming(false)} title={`Abort “${campaign.name}”?`}>
          <div className="space-y-2 text-sm text-slate-600">
            <p>
              No more devices will be sent this update.
              {campaign.pending > 0 && (
                <>
                  {" "}
                  The {campaign.pending.toLocaleString()} pending device{campaign.pending === 1 ? "" : "s"} will be
                  skipped.
                </>
              )}
            </p>
            <p className="font-medium text-slate-800">
              Devices already updated are not rolled back; devices in the middle of an update finish it.
            </p>
            <p>An aborted campaign cannot be restarted.</p>
          </div>
          <div className="mt-6 flex justify-end gap-2">
            <Button onClick={() => setConfirming(false)} disabled={action.isPending}>
              Cancel
            </Button>
            <Button variant="danger" onClick={() => run("Abort")} disabled={action.isPending}>
              {action.isPending ? "Aborting…" : "Abort campaign"}
            </Button>
          </div>
        </Dialog>
      </div>
    </div>
  );
}
