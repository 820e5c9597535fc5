"use client";

import type { FormEvent } from "react";
import { conflictMessage, fieldErrors, formError } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { FormError, TextAreaField, TextField } from "@/components/ui/field";
import { useToast } from "@/components/ui/toast";
import { useCreateGroup } from "@/lib/api-client/groups";

const FIELDS = ["group_id", "name", "description"] as const;

export function CreateGroupDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} onClose={onClose} title="Create group">
      <CreateGroupForm onDone={onClose} />
    </Dialog>
  );
}

function CreateGroupForm({ onDone }: { onDone: () => void }) {
  const create = useCreateGroup();
  const toast = useToast();
  const errors = fieldErrors(create.error);
  const duplicate = conflictMessage(create.error);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const description = String(form.get("description") ?? "").trim();
    create.mutate(
      {
        group_id: String(form.get("group_id") ?? "").trim(),
        name: String(form.get("name") ?? "").trim(),
        description: description || null,
      },
      {
        onSuccess: (g) => {
          toast("success", `Group ${g.name} created`);
          onDone();
        },
      },
    );
  }

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Create group">
      <TextField
        label="Group ID"
        name="group_id"
        required
        maxLength={64}
        autoComplete="off"
        spellCheck={false}
        placeholder="eu-sensors"
        hint="Letters, digits, '.', '_' or '-'; campaigns refer to it."
        error={errors.group_id ?? duplicate}
      />
      <TextField label="Name" name="name" required maxLength={100} placeholder="EU sensors" error={errors.name} />
      <TextAreaField label="Description" name="description" placeholder="Optional" error={errors.description} />
      <FormError>{duplicate ? undefined : formError(create.error, FIELDS)}</FormError>
      <div className="flex justify-end gap-2">
        <Button onClick={onDone} disabled={create.isPending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create"}
        </Button>
      </div>
    </form>
  );
}
