"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * False on the server and during hydration, true after. Pages whose text depends on
 * the browser (its locale for numbers, its time zone and clock for times) render that
 * text only once mounted, so that server HTML and first client render always agree.
 */
export function useMounted(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
