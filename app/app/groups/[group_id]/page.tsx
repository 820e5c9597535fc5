import type { Metadata } from "next";
import { GroupDetail } from "@/components/groups/group-detail";

// Ids are URL-safe by the API's rules; decoding only matters for a hand-typed URL, and must not throw on one.
const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

type Props = { params: Promise<{ group_id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `${decode((await params).group_id)} · Groups · Flotilla` };
}

export default async function GroupPage({ params }: Props) {
  const { group_id } = await params;
  return <GroupDetail groupId={decode(group_id)} />;
}
