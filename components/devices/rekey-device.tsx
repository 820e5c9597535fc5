"use client";

import { useState } from "react";
import { errorMessage } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Dialog } from "@/components/ui/dialog";
import { useToast } from "@/components/ui/toast";
import { useIssueCredentials } from "@/lib/api-client/devices";
import type { IssuedCredentials } from "@/lib/api-client/types";
import { CredentialsOnce } from "./credentials-once";

/**
 * "Issue new credentials": for a device whose password leaked or was lost. Confirmed
 * first, because the old password stops working at once and a device connected with it
 * is cut off; then the new ones are shown once, as at registration.
 */
export function RekeyDeviceButton({ deviceId, hasCredentials }: { deviceId: string; hasCredentials: boolean }) {
  const [confirming, setConfirming] = useState(false);
  const [issued, setIssued] = useState<IssuedCredentials | null>(null);
  const issue = useIssueCredentials();
  const toast = useToast();
  return (
    <>
      <Button onClick={() => setConfirming(true)}>Issue new credentials</Button>
      <ConfirmDialog
        open={confirming}
        title={`Issue new credentials to ${deviceId}?`}
        confirmLabel="Issue new credentials"
        pending={issue.isPending}
        onClose={() => setConfirming(false)}
        onConfirm={() =>
          issue.mutate(deviceId, {
            onSuccess: (c) => {
              setConfirming(false);
              setIssued(c);
              toast("success", `New credentials issued to ${deviceId}`);
            },
            onError: (err) => {
              setConfirming(false);
              toast("error", `Could not issue credentials to ${deviceId}: ${errorMessage(err)}`);
            },
          })
        }
      >
        {hasCredentials ? (
          <p>
            Its current MQTT password stops working at once: if the device is connected, the broker disconnects it
            within a minute, and it cannot connect again until it has the new password.
          </p>
        ) : (
          <p>The device has no credentials now; it can connect once it has the ones issued.</p>
        )}
      </ConfirmDialog>
      <Dialog open={issued !== null} onClose={() => setIssued(null)} title={`New credentials for ${deviceId}`}>
        {issued && <CredentialsOnce issued={issued} onDone={() => setIssued(null)} />}
      </Dialog>
    </>
  );
}
