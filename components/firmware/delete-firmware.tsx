"use client";

import { useState } from "react";
import { errorMessage } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { useToast } from "@/components/ui/toast";
import { useDeleteFirmware } from "@/lib/api-client/firmware";
import type { Firmware } from "@/lib/api-client/types";

/** Delete, after a confirmation. The API refuses (409) while a campaign refers to the version. */
export function DeleteFirmwareButton({ firmware }: { firmware: Firmware }) {
  const [open, setOpen] = useState(false);
  const del = useDeleteFirmware();
  const toast = useToast();
  return (
    <>
      <Button
        size="sm"
        variant="ghost"
        className="text-red-700! hover:bg-red-50!"
        aria-label={`Delete ${firmware.version}`}
        onClick={() => setOpen(true)}
      >
        Delete
      </Button>
      <ConfirmDialog
        open={open}
        title={`Delete firmware ${firmware.version}?`}
        confirmLabel="Delete firmware"
        pending={del.isPending}
        onClose={() => setOpen(false)}
        onConfirm={() =>
          del.mutate(firmware.id, {
            onSuccess: () => toast("success", `Firmware ${firmware.version} deleted`),
            onError: (err) => toast("error", `Could not delete ${firmware.version}: ${errorMessage(err)}`),
            onSettled: () => setOpen(false),
          })
        }
      >
        <p>
          The version and {firmware.file_url.startsWith("http") ? "its registration" : "its stored binary"} are removed.
          Versions that a campaign has used cannot be deleted: campaigns keep their history.
        </p>
      </ConfirmDialog>
    </>
  );
}
