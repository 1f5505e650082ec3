/** API key secrets: how they look, how they are hashed, how they are compared. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** `phk_` and 32 random bytes in base64url (43 characters). */
export const API_KEY_PATTERN = /^phk_[A-Za-z0-9_-]{43}$/;

/** Characters kept for display and lookup: `phk_` and 8 of the random part (48 bits, far from guessable). */
const PREFIX_LENGTH = 12;

/** A fresh secret; it is shown to its owner once and only its hash is stored. */
export function generateSecret(): string {
  return `phk_${randomBytes(32).toString('base64url')}`;
}

/** The display and lookup prefix of a secret. */
export function secretPrefix(secret: string): string {
  return secret.slice(0, PREFIX_LENGTH);
}

/** sha256 of the secret as hex. A fast hash is enough: the secret has 256 random bits, not a password's few. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Compares two hex digests in constant time, so response timing says nothing about how much matched. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
