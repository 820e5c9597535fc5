"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import { useCampaignAction, useCampaignPreview, useCreateCampaign } from "@/lib/api-client/campaigns";
import { ApiError } from "@/lib/api-client/http";
import type { Firmware } from "@/lib/api-client/types";
import { useCan } from "@/components/session";
import { Button } from "@/components/ui/button";
import { ErrorState, Loading } from "@/components/ui/states";
import { PageHeader } from "@/components/ui/table";
import { useToast } from "@/components/ui/toast";
import { DEFAULT_SETTINGS, stepOfField, toDraft, validateSettings, type FieldErrors, type Settings } from "./draft";
import { FirmwareStep } from "./firmware-step";
import { GroupStep, type GroupItem } from "./group-step";
import { ReviewStep } from "./review-step";
import { SettingsStep } from "./settings-step";
import { StepIndicator, type Step } from "./step-indicator";

/** The "New campaign" page: four steps for operators and admins, a plain refusal for viewers. */
export function NewCampaignWizard() {
  const allowed = useCan("operator");
  return (
    <div className="mx-auto max-w-3xl">
      <PageHeader
        title="New campaign"
        description="Roll a firmware version out to a group of devices."
        actions={
          <Link
            href="/app/ota/campaigns"
            className="rounded-md px-3 py-2 text-sm font-medium text-slate-600 hover:bg-slate-100"
          >
            Cancel
          </Link>
        }
      />
      {allowed ? (
        <Wizard />
      ) : (
        <div className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-600 shadow-sm">
          <p className="font-medium text-slate-800">You need the operator role to create campaigns.</p>
          <p className="mt-1">
            Ask an admin of your tenant for it, or go back to the{" "}
            <Link href="/app/ota/campaigns" className="font-medium text-sky-700 underline">
              campaigns
            </Link>
            .
          </p>
        </div>
      )}
    </div>
  );
}

function Wizard() {
  const router = useRouter();
  const toast = useToast();
  const headingId = useId();
  const [step, setStep] = useState<Step>(1);
  const [firmware, setFirmware] = useState<Firmware | null>(null);
  const [group, setGroup] = useState<GroupItem | null>(null);
  const [settings, setSettings] = useState<Settings>(DEFAULT_SETTINGS);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string>();
  const [startNow, setStartNow] = useState(false);
  // Stays true from "Create" until the detail page has replaced this one.
  const [submitting, setSubmitting] = useState(false);
  const create = useCreateCampaign();
  const start = useCampaignAction();

  // The dry run with the defaults: eligibility for step 2, eligible count and tick for 3 and 4.
  const preview = useCampaignPreview(
    firmware && group ? { firmware_version_id: firmware.id, target_group_id: group.group_id } : null,
  );

  // A new step moves focus to its title (not on first render: the page title comes first).
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById(headingId)?.focus();
  }, [step, headingId]);

  const go = (s: Step) => {
    setFormError(undefined);
    setStep(s);
  };

  const edit = (patch: Partial<Settings>, field: string) => {
    setSettings((s) => ({ ...s, ...patch }));
    if (errors[field]) setErrors(({ [field]: _, ...rest }) => rest);
  };

  const previewReady = !!preview.data && !preview.error && preview.data.eligible_devices > 0;
  const canNext = step === 1 ? !!firmware : step === 2 ? !!group && previewReady : true;

  const next = () => {
    if (step === 3) {
      // The server's messages stay until their field is edited: sending it unchanged would be refused again.
      const e = { ...errors, ...validateSettings(settings) };
      setErrors(e);
      if (Object.keys(e).length) {
        focusFirstInvalid();
        return;
      }
    }
    go((step + 1) as Step);
  };

  const submit = async () => {
    if (!firmware || !group) return;
    const clientErrors = validateSettings(settings);
    if (Object.keys(clientErrors).length) {
      setErrors(clientErrors);
      go(3);
      return;
    }
    setFormError(undefined);
    setSubmitting(true);
    const name = settings.name.trim();
    try {
      // Created first and started second, so that a refused start never leaves the user
      // retrying (and creating) the same campaign twice: the detail page can start it.
      const created = await create.mutateAsync({ draft: toDraft(settings, firmware.id, group.group_id) });
      if (startNow) {
        try {
          await start.mutateAsync({ id: created.id, action: "start" });
          toast("success", `Campaign “${name}” created and started`);
        } catch (err) {
          toast("error", `Campaign “${name}” was created but could not be started: ${(err as Error).message}`);
        }
      } else {
        toast("success", `Campaign “${name}” created`);
      }
      router.push(`/app/ota/campaigns/${created.id}`);
    } catch (err) {
      setSubmitting(false);
      if (err instanceof ApiError && err.status === 422 && Object.keys(err.fields).length) {
        setErrors(err.fields);
        const steps = Object.keys(err.fields)
          .map(stepOfField)
          .filter((s): s is 1 | 2 | 3 => s !== undefined);
        if (steps.length) {
          toast("error", "The campaign was not created: check the highlighted fields");
          go(Math.min(...steps) as Step);
          return;
        }
      }
      setFormError(err instanceof Error ? err.message : "The campaign could not be created");
      toast("error", `Could not create the campaign: ${err instanceof Error ? err.message : "unknown error"}`);
    }
  };

  const firmwareLabel = firmware
    ? `${firmware.version}${firmware.device_type ? ` (${firmware.device_type})` : ""}`
    : "this firmware";

  return (
    <div className="rounded-xl border border-slate-200 bg-white shadow-sm">
      <div className="border-b border-slate-100 px-4 py-4 sm:px-6">
        <StepIndicator step={step} onGo={go} />
      </div>
      <div className="px-4 py-5 sm:px-6">
        {step === 1 && (
          <FirmwareStep
            headingId={headingId}
            selected={firmware}
            onSelect={(fw) => {
              setFirmware(fw);
              setErrors(({ firmware_version_id: _, ...rest }) => rest);
            }}
            error={errors.firmware_version_id}
          />
        )}
        {step === 2 && (
          <GroupStep
            headingId={headingId}
            firmwareLabel={firmwareLabel}
            selected={group}
            onSelect={(g) => {
              setGroup(g);
              setErrors(({ target_group_id: _, ...rest }) => rest);
            }}
            preview={{ isFetching: preview.isFetching, data: preview.data, error: preview.error }}
            error={errors.target_group_id}
          />
        )}
        {step >= 3 && !preview.data && (
          <>
            <h2 id={headingId} tabIndex={-1} className="sr-only">
              {step === 3 ? "Settings" : "Review"}
            </h2>
            {preview.error ? (
              <ErrorState error={preview.error} retry={() => void preview.refetch()} />
            ) : (
              <Loading label="Checking the target group…" />
            )}
          </>
        )}
        {step === 3 && preview.data && (
          <SettingsStep
            headingId={headingId}
            settings={settings}
            onChange={edit}
            errors={errors}
            preview={preview.data}
          />
        )}
        {step === 4 && firmware && group && preview.data && (
          <ReviewStep
            headingId={headingId}
            firmware={firmware}
            group={group}
            settings={settings}
            preview={preview.data}
            startNow={startNow}
            onStartNow={setStartNow}
            error={formError}
            onEdit={go}
          />
        )}
      </div>
      <div className="flex items-center justify-between gap-2 border-t border-slate-100 px-4 py-3 sm:px-6">
        <Button
          onClick={() => go((step - 1) as Step)}
          disabled={step === 1 || submitting}
          className={step === 1 ? "invisible" : ""}
        >
          Back
        </Button>
        {step < 4 ? (
          <Button variant="primary" onClick={next} disabled={!canNext}>
            Next
          </Button>
        ) : (
          <Button variant="primary" onClick={() => void submit()} disabled={submitting || !previewReady}>
            {submitting ? "Creating…" : "Create campaign"}
          </Button>
        )}
      </div>
    </div>
  );
}

/** After a refused "Next", put the cursor in the first field that needs attention. */
function focusFirstInvalid() {
  requestAnimationFrame(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
}
