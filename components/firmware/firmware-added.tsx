"use client";

import type { ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { formatBytes } from "@/components/ui/format";
import type { Firmware } from "@/lib/api-client/types";

/** What the server recorded: for an upload, the checksum and size it computed from the bytes. */
export function FirmwareAdded({
  firmware,
  uploaded,
  onDone,
}: {
  firmware: Firmware;
  uploaded: boolean;
  onDone: () => void;
}) {
  return (
    <div className="space-y-4">
      <p
        role="status"
        className="flex items-center gap-2 rounded-md bg-emerald-50 px-3 py-2 text-sm font-medium text-emerald-800"
      >
        <svg aria-hidden viewBox="0 0 20 20" className="size-4 shrink-0" fill="currentColor">
          <path
            fillRule="evenodd"
            d="M10 18a8 8 0 1 0 0-16 8 8 0 0 0 0 16Zm3.7-9.3a1 1 0 0 0-1.4-1.4L9 10.6 7.7 9.3a1 1 0 0 0-1.4 1.4l2 2a1 1 0 0 0 1.4 0l4-4Z"
            clipRule="evenodd"
          />
        </svg>
        Firmware {firmware.version} is in the library.
      </p>
      <dl className="divide-y divide-slate-100 rounded-lg border border-slate-200 text-sm">
        <Row term={uploaded ? "SHA-256 (computed by Flotilla)" : "SHA-256"}>
          {firmware.checksum_sha256 ? (
            <span className="flex items-start gap-1">
              <code className="font-mono text-xs break-all text-slate-800" aria-label="SHA-256">
                {firmware.checksum_sha256}
              </code>
              <CopyButton
                text={firmware.checksum_sha256}
                label={`Copy SHA-256 of ${firmware.version}`}
                what="SHA-256 copied"
              />
            </span>
          ) : (
            <span className="text-amber-700">None given: devices cannot verify this download.</span>
          )}
        </Row>
        <Row term="Size">
          {firmware.file_size_bytes === null ? (
            <span className="text-slate-500">Unknown</span>
          ) : (
            <span className="tabular-nums">
              {formatBytes(firmware.file_size_bytes)}{" "}
              <span className="text-slate-500">({firmware.file_size_bytes.toLocaleString()} bytes)</span>
            </span>
          )}
        </Row>
        <Row term="Device type">{firmware.device_type ?? <span className="text-slate-500">Any</span>}</Row>
        <Row term="Release signature">
          {firmware.release_kid ? (
            <span>
              Verified with release key{" "}
              <code className="font-mono text-xs break-all text-slate-800">{firmware.release_kid}</code>
            </span>
          ) : (
            <span className="text-slate-500">None: devices that carry a release key will refuse it.</span>
          )}
        </Row>
      </dl>
      <div className="flex justify-end">
        <Button variant="primary" onClick={onDone}>
          Done
        </Button>
      </div>
    </div>
  );
}

function Row({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="grid gap-1 px-3 py-2.5 sm:grid-cols-[11rem_1fr]">
      <dt className="text-slate-500">{term}</dt>
      <dd className="min-w-0">{children}</dd>
    </div>
  );
}
