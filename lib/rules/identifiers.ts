/**
 * Tenant, device and group identifiers: 1 to 64 letters, digits, '.', '_' or '-'. They
 * are MQTT topic levels (tenant/{tenant}/device/{device}/…), so '/', '+', '#' and NUL
 * must never reach one. The one home of the rule; import it, do not copy the pattern.
 */
export const IDENTIFIER_PATTERN = "[A-Za-z0-9._-]{1,64}";
export const IDENTIFIER = new RegExp(`^${IDENTIFIER_PATTERN}$`);
export const IDENTIFIER_RULE = "must be 1-64 characters: letters, digits, '.', '_' or '-'";
export const isIdentifier = (s: string) => IDENTIFIER.test(s);
