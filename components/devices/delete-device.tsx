"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { errorMessage } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { useToast } from "@/components/ui/toast";
import { useDeleteDevice } from "@/lib/api-client/devices";

/** Deletes the device, then goes back to the list. Refused (409) while an active campaign still has it to update. */
export function DeleteDeviceButton({ deviceId }: { deviceId: string }) {
  const [open, setOpen] = useState(false);
  const del = useDeleteDevice();
  const toast = useToast();
  const router = useRouter();
  return (
    <>
      <Button className="text-red-700! hover:bg-red-50!" onClick={() => setOpen(true)}>
        Delete device
      </Button>
      <ConfirmDialog
        open={open}
        title={`Delete device ${deviceId}?`}
        confirmLabel="Delete device"
        pending={del.isPending}
        onClose={() => setOpen(false)}
        onConfirm={() =>
          del.mutate(deviceId, {
            onSuccess: () => {
              toast("success", `Device ${deviceId} deleted`);
              router.push("/app/devices");
            },
            onError: (err) => {
              toast("error", `Could not delete ${deviceId}: ${errorMessage(err)}`);
              setOpen(false);
            },
          })
        }
      >
        <p>
          It leaves every group; finished campaigns keep their record of it. A device that an active campaign has yet to
          update cannot be deleted.
        </p>
      </ConfirmDialog>
    </>
  );
}
