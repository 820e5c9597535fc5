import type { Metadata } from "next";
import { DeviceList } from "@/components/devices/device-list";

export const metadata: Metadata = { title: "Devices · Flotilla" };

export default function DevicesPage() {
  return <DeviceList />;
}
