"use client";

import { useState } from "react";
import { Dialog } from "@/components/ui/dialog";
import type { Firmware } from "@/lib/api-client/types";
import { FirmwareAdded } from "./firmware-added";
import { UploadFirmwareForm } from "./upload-form";
import { UrlFirmwareForm } from "./url-form";

type Mode = "upload" | "url";
const MODES: { value: Mode; label: string }[] = [
  { value: "upload", label: "Upload a file" },
  { value: "url", label: "Register a URL" },
];

/**
 * "Add firmware": upload a binary (Flotilla stores it and computes its checksum) or
 * register one hosted elsewhere; then the checksum and size the server recorded.
 */
export function AddFirmwareDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} onClose={onClose} title="Add firmware" wide>
      {/* Mounted only while open (the Dialog renders nothing closed): every opening starts afresh. */}
      <AddFirmwareFlow onDone={onClose} />
    </Dialog>
  );
}

function AddFirmwareFlow({ onDone }: { onDone: () => void }) {
  const [mode, setMode] = useState<Mode>("upload");
  const [added, setAdded] = useState<Firmware | null>(null);
  if (added) return <FirmwareAdded firmware={added} uploaded={mode === "upload"} onDone={onDone} />;
  return (
    <div className="space-y-4">
      <fieldset className="min-w-0">
        <legend className="sr-only">Source</legend>
        <div className="grid grid-cols-2 gap-1 rounded-lg bg-slate-100 p-1">
          {MODES.map((m) => (
            <label
              key={m.value}
              className="cursor-pointer rounded-md px-3 py-1.5 text-center text-sm font-medium text-slate-600 has-checked:bg-white has-checked:text-slate-900 has-checked:shadow-sm has-focus-visible:outline-2 has-focus-visible:outline-sky-600"
            >
              <input
                type="radio"
                name="firmware-source"
                value={m.value}
                checked={mode === m.value}
                onChange={() => setMode(m.value)}
                className="sr-only"
              />
              {m.label}
            </label>
          ))}
        </div>
      </fieldset>
      {mode === "upload" ? (
        <UploadFirmwareForm onAdded={setAdded} onCancel={onDone} />
      ) : (
        <UrlFirmwareForm onAdded={setAdded} onCancel={onDone} />
      )}
    </div>
  );
}
