import type { Metadata } from "next";
import { DeviceTrust } from "@/components/trust/device-trust";

export const metadata: Metadata = { title: "Device trust · Flotilla" };

export default function DeviceTrustPage() {
  return <DeviceTrust />;
}
