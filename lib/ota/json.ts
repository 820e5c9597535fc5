/** Timestamps in API answers: ISO 8601 with a time zone (UTC), or null. */
export const iso = (d: Date | null) => (d ? d.toISOString() : null);
