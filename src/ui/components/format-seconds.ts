/** A time estimate in words: "8 s", "1 min 20 s", "about" left to the sentence. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
}
