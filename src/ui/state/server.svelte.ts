/**
 * The server connection the playground may hand jobs to: the server this app was loaded from, or another
 * one the settings name (it must allow this page's origin: CORS_ORIGINS there, CONNECT_SRC here), and the
 * user's API key (kept in this browser's localStorage, sent only to that server), with the account's
 * balance once the key is checked.
 */
import { idbGallery } from '../history/store';
import { syncGallery } from '../server/gallery-sync';
import { PhosorClient, type Account } from '../server/phosor-client';
import { serverUrl } from '../server/server-url';

const KEY_ITEM = 'phosphene.server.apiKey';
const URL_ITEM = 'phosphene.server.url';
const SINCE_ITEM = 'phosphene.server.syncedSince';

const timeNow = () => new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' }).format(Date.now());

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled by the browser's settings
  }
}

const pageOrigin = () => globalThis.location?.origin ?? 'http://127.0.0.1:8787';

/** Reactive server settings and account. */
export class ServerState {
  /** The server's URL: this page's own origin unless the settings name another (see `serverUrl`). */
  baseUrl = $state(serverUrl(storage()?.getItem(URL_ITEM) ?? '') ?? pageOrigin());
  apiKey = $state(storage()?.getItem(KEY_ITEM) ?? '');
  account = $state.raw<Account | null>(null);
  error = $state('');
  checking = $state(false);
  /** The last gallery sync in words, or why it failed. */
  syncStatus = $state('');
  #syncing: Promise<boolean> | null = null;

  /** Whether jobs can go to the server: a key is set. */
  get configured(): boolean {
    return this.apiKey.trim() !== '';
  }

  client(): PhosorClient | null {
    return this.configured ? new PhosorClient({ baseUrl: this.baseUrl, apiKey: this.apiKey }) : null;
  }

  /**
   * Stores the server's URL (empty: this page's own server) and the key (an empty one forgets it), and
   * reads the account with them. A URL that is not an http(s) origin is refused with a message.
   */
  async saveKey(key: string, url = ''): Promise<void> {
    const base = url.trim() === '' ? pageOrigin() : serverUrl(url);
    if (base === null) {
      this.error = `"${url.trim()}" is not a server URL: give its origin, like https://phosphene.example.com.`;
      return;
    }
    if (base !== this.baseUrl) storage()?.removeItem(SINCE_ITEM); // another server: read its whole history
    this.baseUrl = base;
    if (base === pageOrigin()) storage()?.removeItem(URL_ITEM);
    else storage()?.setItem(URL_ITEM, base);
    this.apiKey = key.trim();
    if (this.apiKey) storage()?.setItem(KEY_ITEM, this.apiKey);
    else storage()?.removeItem(KEY_ITEM);
    storage()?.removeItem(SINCE_ITEM); // another key may be another user: read their whole history
    this.account = null;
    this.error = '';
    await this.refresh();
  }

  /** Reads the account (balance, tier) with the current key. */
  async refresh(): Promise<void> {
    const client = this.client();
    if (!client) return;
    this.checking = true;
    try {
      this.account = await client.account();
      this.error = '';
    } catch (error) {
      this.account = null;
      this.error = error instanceof Error ? error.message : String(error);
    } finally {
      this.checking = false;
    }
  }

  /**
   * Syncs the gallery both ways (see gallery-sync.ts); true when something was sent or received. One sync
   * at a time: a call while one runs waits for it.
   */
  sync(onChange?: () => Promise<void>): Promise<boolean> {
    this.#syncing ??= this.#sync(onChange).finally(() => (this.#syncing = null));
    return this.#syncing;
  }

  /** `onChange` runs (e.g. the history list reloads) before the status says the sync is done. */
  async #sync(onChange?: () => Promise<void>): Promise<boolean> {
    const client = this.client();
    if (!client) return false;
    try {
      const report = await syncGallery(client, idbGallery, storage()?.getItem(SINCE_ITEM) ?? undefined);
      if (report.since) storage()?.setItem(SINCE_ITEM, report.since);
      const changed = report.uploaded + report.downloaded + report.deleted > 0;
      if (changed) await onChange?.();
      const failed = report.failed.length ? `; ${report.failed.length} not synced: ${report.failed[0]!.reason}` : '';
      this.syncStatus = `Gallery synced at ${timeNow()}: ${report.uploaded} up, ${report.downloaded} down, ${report.deleted} deleted${failed}.`;
      return changed;
    } catch (error) {
      this.syncStatus = `Gallery not synced: ${error instanceof Error ? error.message : String(error)}`;
      return false;
    }
  }
}
