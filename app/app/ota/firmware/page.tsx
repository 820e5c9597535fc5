import type { Metadata } from "next";
import { FirmwareLibrary } from "@/components/firmware/firmware-library";

export const metadata: Metadata = { title: "Firmware · Flotilla" };

export default function FirmwarePage() {
  return <FirmwareLibrary />;
}
