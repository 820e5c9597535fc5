"use client";

import { useId } from "react";
import { useCan } from "@/components/session";
import { errorMessage } from "@/components/ui/api-errors";
import { FormError } from "@/components/ui/field";
import { ErrorState, Loading } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useOtaSettings, useUpdateOtaSettings } from "@/lib/api-client/trust";
import { TrustSection } from "./device-trust";

/**
 * "Require signed firmware": with it on, firmware without a valid release signature is
 * refused when added. Turning it on needs an active release key (the server answers 409
 * otherwise, and its message is shown as it is).
 */
export function SignedFirmware() {
  const isAdmin = useCan("admin");
  const q = useOtaSettings();
  const update = useUpdateOtaSettings();
  const toast = useToast();
  const labelId = useId();
  const hintId = useId();

  return (
    <TrustSection
      id="signed-firmware"
      title="Signed firmware"
      description="Whether every firmware version must carry a release signature."
    >
      {q.isPending ? (
        <Loading label="Loading settings…" />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : (
        <div className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
          <div className="flex items-start gap-3">
            <Switch
              checked={q.data.require_signed_firmware}
              disabled={!isAdmin || update.isPending}
              labelledBy={labelId}
              describedBy={hintId}
              onChange={(on) =>
                update.mutate(
                  { require_signed_firmware: on },
                  {
                    onSuccess: (s) =>
                      toast(
                        "success",
                        s.require_signed_firmware
                          ? "Signed firmware is now required"
                          : "Unsigned firmware is allowed again",
                      ),
                  },
                )
              }
            />
            <div>
              <p id={labelId} className="text-sm font-medium text-slate-900">
                Require signed firmware
              </p>
              <p id={hintId} className="text-sm text-slate-600">
                Firmware without a valid signature from an active release key is refused when uploaded or registered.
                {!isAdmin && " Only an admin can change this."}
              </p>
            </div>
          </div>
          <FormError>{update.error ? errorMessage(update.error) : undefined}</FormError>
        </div>
      )}
    </TrustSection>
  );
}

/** An on/off control (role "switch"), named by the element `labelledBy` points at. */
function Switch({
  checked,
  disabled,
  labelledBy,
  describedBy,
  onChange,
}: {
  checked: boolean;
  disabled: boolean;
  labelledBy: string;
  describedBy: string;
  onChange: (on: boolean) => void;
}) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      disabled={disabled}
      onClick={() => onChange(!checked)}
      className={`relative mt-0.5 inline-flex h-6 w-11 shrink-0 items-center rounded-full transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 disabled:cursor-not-allowed disabled:opacity-60 ${
        checked ? "bg-sky-700" : "bg-slate-400"
      }`}
    >
      <span
        aria-hidden
        className={`inline-block size-5 rounded-full bg-white shadow transition-transform ${checked ? "translate-x-5.5" : "translate-x-0.5"}`}
      />
    </button>
  );
}
