"use client";

import { useMemo, useState, type FormEvent } from "react";
import { errorMessage } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { FormError, TextAreaField } from "@/components/ui/field";
import { useToast } from "@/components/ui/toast";
import { useAddMembers } from "@/lib/api-client/groups";
import { IDENTIFIER } from "@/lib/rules/identifiers";
import { DevicePicker } from "./device-picker";

/** "a, b c\nd" → ["a", "b", "c", "d"]: commas, spaces and new lines all separate. */
export const parseDeviceIds = (text: string) => [...new Set(text.split(/[\s,;]+/).filter(Boolean))];

export function AddMembersDialog({
  open,
  onClose,
  groupId,
  groupName,
}: {
  open: boolean;
  onClose: () => void;
  groupId: string;
  groupName: string;
}) {
  return (
    <Dialog open={open} onClose={onClose} title={`Add members to ${groupName}`} wide>
      <AddMembersForm groupId={groupId} groupName={groupName} onDone={onClose} />
    </Dialog>
  );
}

/** Typed ids and picked devices together, sent at once: the API adds all of them or none. */
function AddMembersForm({ groupId, groupName, onDone }: { groupId: string; groupName: string; onDone: () => void }) {
  const add = useAddMembers();
  const toast = useToast();
  const [typed, setTyped] = useState("");
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [invalid, setInvalid] = useState<string[]>([]);
  const ids = useMemo(() => [...new Set([...parseDeviceIds(typed), ...picked])], [typed, picked]);

  function submit(e: FormEvent) {
    e.preventDefault();
    const bad = parseDeviceIds(typed).filter((id) => !IDENTIFIER.test(id));
    setInvalid(bad);
    if (bad.length || ids.length === 0) return;
    add.mutate(
      { groupId, deviceIds: ids },
      {
        onSuccess: (res) => {
          const added = typeof res === "object" && res && "added" in res ? Number(res.added) : ids.length;
          const already = ids.length - added;
          toast(
            "success",
            `Added ${added} device${added === 1 ? "" : "s"} to ${groupName}${already ? ` (${already} already in it)` : ""}`,
          );
          onDone();
        },
      },
    );
  }

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Add members">
      <TextAreaField
        label="Device IDs"
        name="device_ids"
        value={typed}
        onChange={(e) => {
          setTyped(e.target.value);
          setInvalid([]);
        }}
        rows={3}
        spellCheck={false}
        placeholder="sensor-0001, sensor-0002 sensor-0003"
        hint="Separate ids with commas, spaces or new lines."
        error={invalid.length ? `Not valid device ids: ${invalid.join(", ")}` : undefined}
        className="font-mono text-xs"
      />
      <DevicePicker groupId={groupId} picked={picked} onChange={setPicked} />
      <FormError>{add.error ? `Nothing was added: ${errorMessage(add.error)}` : undefined}</FormError>
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:items-center sm:justify-between">
        <p className="text-sm text-slate-500" aria-live="polite">
          {ids.length === 0 ? "No devices chosen yet." : `${ids.length} device${ids.length === 1 ? "" : "s"} to add.`}
        </p>
        <div className="flex justify-end gap-2">
          <Button onClick={onDone} disabled={add.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" disabled={add.isPending || ids.length === 0}>
            {add.isPending ? "Adding…" : "Add to group"}
          </Button>
        </div>
      </div>
    </form>
  );
}
