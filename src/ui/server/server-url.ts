/** The settings' Server URL: `text` as a server origin (`https://host[:port]`, a trailing slash allowed), or `null` if it is not one. */
export function serverUrl(text: string): string | null {
  try {
    const url = new URL(text.trim());
    const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    return /^https?:$/.test(url.protocol) && bare ? url.origin : null;
  } catch {
    return null;
  }
}
