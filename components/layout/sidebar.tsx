import Link from "next/link";

/** The navigation; the Fleet group grows with Devices, Groups and Firmware as their pages land. */
const NAV = [{ group: "Fleet", items: [{ href: "/app/ota/campaigns", label: "OTA Campaigns" }] }];

export function Sidebar() {
  return (
    <nav aria-label="Main" className="w-56 shrink-0 border-r border-slate-200 bg-white px-3 py-4">
      <Link href="/app/ota/campaigns" className="mb-6 block px-2 text-lg font-semibold tracking-tight">
        Flotilla
      </Link>
      {NAV.map((section) => (
        <div key={section.group}>
          <p className="px-2 text-xs font-semibold uppercase tracking-wide text-slate-400">{section.group}</p>
          <ul className="mt-2 space-y-1">
            {section.items.map((item) => (
              <li key={item.href}>
                <Link href={item.href} className="block rounded-md px-2 py-1.5 text-sm text-slate-700 hover:bg-slate-100">
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}
