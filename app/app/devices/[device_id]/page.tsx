import type { Metadata } from "next";
import { DeviceDetail } from "@/components/devices/device-detail";

// Ids are URL-safe by the API's rules; decoding only matters for a hand-typed URL, and must not throw on one.
const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

type Props = { params: Promise<{ device_id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `${decode((await params).device_id)} · Devices · Flotilla` };
}

export default async function DevicePage({ params }: Props) {
  const { device_id } = await params;
  return <DeviceDetail deviceId={decode(device_id)} />;
}
