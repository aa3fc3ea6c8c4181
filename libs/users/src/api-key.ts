import { randomBytes } from 'node:crypto';

/** 80 random bytes, URL-safe base64 without padding: 107 characters, as Argilla generates them. */
export function generateApiKey(): string {
  return randomBytes(80).toString('base64url');
}
