/**
 * The columns of the credentials CSV: what a bulk registration answers with `Accept:
 * text/csv`, what the UI's import offers for download, and what `npm run simulate
 * --credentials` reads. A contract with the factory line; one home, no imports, so that
 * the browser bundle can take it too.
 */
export const CREDENTIALS_CSV_COLUMNS = ["device_id", "client_id", "username", "password"] as const;
