"use client";

import { useState, type FormEvent } from "react";
import { conflictMessage, fieldErrors, formError } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { FormError, TextField } from "@/components/ui/field";
import { useToast } from "@/components/ui/toast";
import { useCreateDevice } from "@/lib/api-client/devices";
import type { IssuedCredentials } from "@/lib/api-client/types";
import { CredentialsOnce } from "./credentials-once";

const FIELDS = ["device_id", "device_type", "fw_version"] as const;

/**
 * Registers a device, then shows its MQTT credentials, once: the dialog is the only place
 * the password ever appears, and closing it forgets it.
 */
export function RegisterDeviceDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [issued, setIssued] = useState<IssuedCredentials | null>(null);
  const close = () => {
    setIssued(null);
    onClose();
  };
  return (
    <Dialog open={open} onClose={close} title={issued ? `Device ${issued.device_id} registered` : "Register device"}>
      {issued ? (
        <CredentialsOnce issued={issued} onDone={close} />
      ) : (
        <RegisterDeviceForm onCancel={close} onRegistered={setIssued} />
      )}
    </Dialog>
  );
}

function RegisterDeviceForm({
  onCancel,
  onRegistered,
}: {
  onCancel: () => void;
  onRegistered: (c: IssuedCredentials) => void;
}) {
  const create = useCreateDevice();
  const toast = useToast();
  const errors = fieldErrors(create.error);
  const duplicate = conflictMessage(create.error);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim() || null;
    create.mutate(
      {
        device_id: String(form.get("device_id") ?? "").trim(),
        device_type: text("device_type"),
        fw_version: text("fw_version"),
      },
      {
        onSuccess: (d) => {
          toast("success", `Device ${d.device_id} registered`);
          onRegistered({ device_id: d.device_id, mqtt: d.mqtt, signing_keys: d.signing_keys });
        },
      },
    );
  }

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Register device">
      <TextField
        label="Device ID"
        name="device_id"
        required
        maxLength={64}
        autoComplete="off"
        spellCheck={false}
        placeholder="sensor-0001"
        hint="Letters, digits, '.', '_' or '-'; the device uses it on MQTT."
        error={errors.device_id ?? duplicate}
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          label="Device type"
          name="device_type"
          maxLength={50}
          placeholder="sensor-v2"
          error={errors.device_type}
        />
        <TextField
          label="Firmware version"
          name="fw_version"
          maxLength={50}
          placeholder="1.0.0"
          error={errors.fw_version}
        />
      </div>
      <FormError>{duplicate ? undefined : formError(create.error, FIELDS)}</FormError>
      <div className="flex justify-end gap-2">
        <Button onClick={onCancel} disabled={create.isPending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={create.isPending}>
          {create.isPending ? "Registering…" : "Register"}
        </Button>
      </div>
    </form>
  );
}
