import { isServer, QueryClient } from "@tanstack/react-query";

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      // With server prefetching, refetching at once on the client would double every request.
      queries: { staleTime: 30_000, retry: 1 },
    },
  });
}

let browserClient: QueryClient | undefined;

/** A new client per server request (no data shared between users); one for the browser's lifetime. */
export function getQueryClient(): QueryClient {
  if (isServer) return makeQueryClient();
  browserClient ??= makeQueryClient();
  return browserClient;
}
