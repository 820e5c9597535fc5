"use client";

import { useState } from "react";
import { errorMessage } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { useToast } from "@/components/ui/toast";
import { useDeleteGroup } from "@/lib/api-client/groups";

/** Deletes a group (its devices stay). Refused (409) while a campaign that is not finished targets it. */
export function DeleteGroupButton({
  groupId,
  name,
  onDeleted,
  prominent = false,
}: {
  groupId: string;
  name: string;
  onDeleted?: () => void;
  /** A full-size "Delete group" button (a page header) rather than a row's small "Delete". */
  prominent?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const del = useDeleteGroup();
  const toast = useToast();
  return (
    <>
      <Button
        size={prominent ? "md" : "sm"}
        variant={prominent ? "secondary" : "ghost"}
        className="text-red-700! hover:bg-red-50!"
        aria-label={`Delete group ${name}`}
        onClick={() => setOpen(true)}
      >
        {prominent ? "Delete group" : "Delete"}
      </Button>
      <ConfirmDialog
        open={open}
        title={`Delete group ${name}?`}
        confirmLabel="Delete group"
        pending={del.isPending}
        onClose={() => setOpen(false)}
        onConfirm={() =>
          del.mutate(groupId, {
            onSuccess: () => {
              toast("success", `Group ${name} deleted`);
              onDeleted?.();
            },
            onError: (err) => toast("error", `Could not delete ${name}: ${errorMessage(err)}`),
            onSettled: () => setOpen(false),
          })
        }
      >
        <p>
          Its devices stay registered; only the group goes. A group that an active campaign targets cannot be deleted.
        </p>
      </ConfirmDialog>
    </>
  );
}
