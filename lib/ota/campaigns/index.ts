/**
 * Campaigns: reads (read.ts), preview and creation (create.ts), operator and engine
 * transitions (transitions.ts), the device pages (devices.ts) and the JSON they answer
 * with (json.ts). Routes, the worker and tests import from here.
 */
export { listCampaigns, getCampaign } from "./read";
export { previewCampaign, createCampaign } from "./create";
export { abortCampaign, transitionCampaign, ABORTABLE, type Transition } from "./transitions";
export { listCampaignDevices } from "./devices";
