"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const NAV = [
  {
    group: "Fleet",
    items: [
      { href: "/app/devices", label: "Devices" },
      { href: "/app/groups", label: "Groups" },
      { href: "/app/ota/firmware", label: "Firmware" },
      { href: "/app/ota/campaigns", label: "OTA Campaigns" },
      { href: "/app/trust", label: "Device trust" },
    ],
  },
];

/** The navigation: a sidebar on wide screens, a row of links above the page on phones. */
export function Sidebar() {
  const path = usePathname();
  return (
    <nav
      aria-label="Main"
      className="shrink-0 border-b border-slate-200 bg-white px-3 py-3 md:w-56 md:border-r md:border-b-0 md:py-4"
    >
      <Link href="/app/ota/campaigns" className="mb-2 block px-2 text-lg font-semibold tracking-tight md:mb-6">
        Flotilla
      </Link>
      {NAV.map((section) => (
        <div key={section.group}>
          <p className="hidden px-2 text-xs font-semibold uppercase tracking-wide text-slate-500 md:block">
            {section.group}
          </p>
          <ul className="flex gap-1 overflow-x-auto md:mt-2 md:block md:space-y-1">
            {section.items.map((item) => {
              const active = path === item.href || path.startsWith(`${item.href}/`);
              return (
                <li key={item.href}>
                  <Link
                    href={item.href}
                    aria-current={active ? "page" : undefined}
                    className={`block whitespace-nowrap rounded-md px-2 py-1.5 text-sm ${
                      active ? "bg-sky-50 font-medium text-sky-800" : "text-slate-700 hover:bg-slate-100"
                    }`}
                  >
                    {item.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </div>
      ))}
    </nav>
  );
}
