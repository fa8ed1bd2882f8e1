const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The token with the last character of its signature respelt: flipping that character's lowest
 * bit changes only bits the encoding leaves unused (4 of an ES256 signature's 86 characters' last,
 * 2 of an HS256 signature's 43), so the respelt signature decodes to the same bytes.
 */
export function respeltSignature(token: string): string {
  return token.slice(0, -1) + BASE64URL[BASE64URL.indexOf(token.at(-1)!) ^ 1];
}
