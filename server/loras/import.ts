/**
 * `POST /storage/lora/import`: the request checks both URLs and answers `processing` at once; the two
 * files are then fetched (SSRF-safe, https only), checked as safetensors while streaming to disk, and the
 * LoRA becomes `ready` or `failed` with the reason, which `GET /loras/{id}/status` shows.
 */
import type { Database } from '../db/database';
import { HttpError } from '../http-error';
import { UrlRefusedError } from '../net/errors';
import { safeFetch } from '../net/safe-fetch';
import { parseUrl, systemResolver, vetAddress } from '../net/vet-url';
import { publicAddressesOnly } from '../net/address-policy';
import { importFetchOptions, type StorageSettings } from '../storage/options';
import { removeLoraFiles, writeLoraFile } from './files';
import { markLoraFailed, markLoraReady, reserveLora } from './lifecycle';
import { checkStorageQuota } from '../storage/quota';
import { LORA_PARTS, type Lora, type LoraPart } from './loras';
import { log } from '../log/logger';
import { errorSummary } from '../log/error-summary';

/** Refuses a bad URL up front (scheme, credentials, forbidden address) with a 400 naming the field. */
async function precheck(settings: StorageSettings, field: string, raw: string): Promise<void> {
  const options = importFetchOptions(settings, 'lora');
  try {
    const url = parseUrl(raw, options.protocols);
    await vetAddress(url, options.policy ?? publicAddressesOnly, options.resolve ?? systemResolver);
  } catch (error) {
    if (error instanceof UrlRefusedError) throw new HttpError(400, 'url_refused', `${field}: ${error.message}`);
    throw error;
  }
}

async function fetchBoth(db: Database, settings: StorageSettings, lora: Lora, urls: Record<LoraPart, string>) {
  const bytes: Partial<Record<LoraPart, number>> = {};
  let part: LoraPart = 'high_noise';
  try {
    for (part of LORA_PARTS) {
      const { body } = await safeFetch(urls[part], importFetchOptions(settings, 'lora'));
      bytes[part] = await writeLoraFile(settings.files, lora.id, part, body, settings.maxLoraBytes);
    }
    await checkStorageQuota(db, lora.userId, settings.storageQuotaBytes, bytes.high_noise! + bytes.low_noise!);
    const ready = await markLoraReady(db, lora.id, {
      bytes: { high_noise: bytes.high_noise!, low_noise: bytes.low_noise! },
    });
    if (!ready) await removeLoraFiles(settings.files, lora.id);
  } catch (error) {
    const message = (error as Error).message;
    const whole =
      message.startsWith('Invalid LoRA') || (error instanceof HttpError && error.code === 'storage_quota_exceeded');
    await markLoraFailed(db, lora.id, whole ? message : `${part}: ${message}`, false);
    await removeLoraFiles(settings.files, lora.id);
  }
}

/** Starts LoRA imports in the background and lets the server (and tests) wait for them. */
export class LoraImports {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly settings: StorageSettings,
  ) {}

  /** Checks both URLs, reserves the LoRA and starts fetching; resolves once it is `processing`. */
  async start(userId: string, urls: Record<LoraPart, string>, name?: string): Promise<Lora> {
    for (const part of LORA_PARTS) await precheck(this.settings, `${part}_url`, urls[part]);
    await checkStorageQuota(this.db, userId, this.settings.storageQuotaBytes);
    const lora = await reserveLora(this.db, { userId, name, source: 'import', urls });
    const task = fetchBoth(this.db, this.settings, lora, urls)
      .catch((error: unknown) =>
        log.error({ loraId: lora.id, err: errorSummary(error) }, 'LoRA import failed to record its outcome'),
      )
      .finally(() => this.running.delete(task));
    this.running.add(task);
    return lora;
  }

  /** Waits for every import in flight. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
