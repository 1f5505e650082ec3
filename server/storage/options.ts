/** Limits and dependencies of the upload, import and LoRA routes, with Phosor's defaults. */
import type { AddressPolicy } from '../net/address-policy';
import type { SafeFetchOptions } from '../net/safe-fetch';
import type { Resolver } from '../net/vet-url';
import type { FileStore } from './file-store';
import { DEFAULT_STORAGE_QUOTA_BYTES } from './quota';

/** What `createApp` takes for storage; only `files` is required. */
export interface StorageOptions {
  files: FileStore;
  /** Per image, upload or import; 10 MiB by default. */
  maxImageBytes?: number;
  /** Per LoRA file; Phosor's 2048 MB by default. */
  maxLoraBytes?: number;
  /** Whole image import (every hop and the body); 30 s by default. */
  imageImportTimeoutMs?: number;
  /** Each LoRA file import; 30 minutes by default (2 GB at ~1 MB/s). */
  loraImportTimeoutMs?: number;
  /** What each user may store in all (images, LoRAs, videos); 10 GiB by default (STORAGE_QUOTA_MB). */
  storageQuotaBytes?: number;
  /** Test seams for URL imports: which addresses may be fetched, DNS, and an extra CA. */
  fetch?: { policy?: AddressPolicy; resolve?: Resolver; ca?: string };
}

/** StorageOptions with every default filled in. */
export type StorageSettings = Required<Omit<StorageOptions, 'fetch'>> & Pick<StorageOptions, 'fetch'>;

const MiB = 1024 * 1024;

/** Fills in the defaults. */
export function storageSettings(options: StorageOptions): StorageSettings {
  return {
    maxImageBytes: 10 * MiB,
    maxLoraBytes: 2048 * MiB,
    imageImportTimeoutMs: 30_000,
    loraImportTimeoutMs: 30 * 60_000,
    ...options,
    // An explicit undefined (a caller passing its own optional setting on) still means the default.
    storageQuotaBytes: options.storageQuotaBytes ?? DEFAULT_STORAGE_QUOTA_BYTES,
  };
}

/** The fetch options for an import: images over http(s), LoRAs over https only (as Phosor documents). */
export function importFetchOptions(settings: StorageSettings, kind: 'image' | 'lora'): SafeFetchOptions {
  return {
    protocols: kind === 'image' ? ['https:', 'http:'] : ['https:'],
    maxBytes: kind === 'image' ? settings.maxImageBytes : settings.maxLoraBytes,
    timeoutMs: kind === 'image' ? settings.imageImportTimeoutMs : settings.loraImportTimeoutMs,
    ...settings.fetch,
  };
}
