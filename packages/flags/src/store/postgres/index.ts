export type { ChangeRequestInput, ChangeRequestView } from './change-requests.js';
export type { EnvironmentSettings, EnvironmentView, ProjectView } from './projects.js';
export type { HistoryEntry } from './reports.js';
export { hashSdkKey, parseSdkKey, type SdkKeyKind } from './sdk-key-format.js';
export type { SdkKeyView } from './sdk-keys.js';
export { type ManagementWriteOptions, PgFlagStore, type PgFlagStoreOptions } from './store.js';
