/** Where Flotilla serves a firmware binary it stores (Range requests supported). */
export const firmwareDownloadPath = (firmwareId: number) => `/customer/firmware/${firmwareId}/download`;
