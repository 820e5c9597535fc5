"use client";

import type { ReactNode } from "react";
import { PageHeader } from "@/components/ui/table";
import { ReleaseKeys } from "./release-keys";
import { SignedFirmware } from "./signed-firmware";
import { SigningKeys } from "./signing-keys";

/**
 * /app/trust: what lets a device tell that a command came from this tenant's Flotilla
 * (the command-signing keys) and that an image came from the operator's own build
 * (release keys, and whether firmware must carry such a signature). Everyone signed in
 * reads it; only an admin changes it.
 */
export function DeviceTrust() {
  return (
    <section>
      <PageHeader title="Device trust" description="The keys your devices check commands and firmware against." />
      <div className="space-y-10">
        <SigningKeys />
        <ReleaseKeys />
        <SignedFirmware />
      </div>
    </section>
  );
}

/** A part of the page: its heading, a line about it, its actions, and its content. */
export function TrustSection({
  id,
  title,
  description,
  actions,
  children,
}: {
  id: string;
  title: string;
  description: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section aria-labelledby={id}>
      <div className="mb-3 flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
        <div className="min-w-0 max-w-3xl">
          <h2 id={id} className="text-base font-semibold tracking-tight text-slate-900">
            {title}
          </h2>
          <div className="mt-1 text-sm text-slate-600">{description}</div>
        </div>
        {actions && <div className="flex shrink-0 flex-wrap items-center gap-2">{actions}</div>}
      </div>
      {children}
    </section>
  );
}
