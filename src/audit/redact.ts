/** Fields that hold digests or ciphertexts of secrets: never shown in history, even though they are not plain. */
const SECRET_FIELD = /(hash|sealed|ciphertext|secret|password)$/i;

export function redactSecrets(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(data)) {
    if (SECRET_FIELD.test(k)) continue;
    const v = data[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) ? redactSecrets(v as Record<string, unknown>) : v;
  }
  return out;
}
