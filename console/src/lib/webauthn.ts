/**
 * Passkeys: the desk sends WebAuthn options as JSON with binary fields in base64url, and takes the
 * credential back the same way. The conversions are written out here rather than relying on
 * `PublicKeyCredential.parseRequestOptionsFromJSON`, which not every browser has.
 */

export function base64urlToBytes(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function bytesToBase64url(value: ArrayBuffer | ArrayBufferView): string {
  const bytes =
    value instanceof ArrayBuffer
      ? new Uint8Array(value)
      : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

type Json = Record<string, unknown>;

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Accepts the options bare or wrapped as `{publicKey: …}` (as some servers send them). */
function unwrap(options: unknown): Json {
  if (!isJson(options)) throw new Error('WebAuthn options are not an object');
  return isJson(options.publicKey) ? options.publicKey : options;
}

function descriptors(list: unknown): PublicKeyCredentialDescriptor[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.filter(isJson).map((d): PublicKeyCredentialDescriptor => ({
    ...d,
    type: 'public-key',
    id: base64urlToBytes(String(d.id)),
  }));
}

export function requestOptionsFromJSON(options: unknown): PublicKeyCredentialRequestOptions {
  const o = unwrap(options);
  const result: Json = { ...o, challenge: base64urlToBytes(String(o.challenge)) };
  const allow = descriptors(o.allowCredentials);
  if (allow) result.allowCredentials = allow;
  return result as unknown as PublicKeyCredentialRequestOptions;
}

export function creationOptionsFromJSON(options: unknown): PublicKeyCredentialCreationOptions {
  const o = unwrap(options);
  const user = isJson(o.user) ? o.user : {};
  const result: Json = {
    ...o,
    challenge: base64urlToBytes(String(o.challenge)),
    user: { ...user, id: base64urlToBytes(String(user.id)) },
  };
  const exclude = descriptors(o.excludeCredentials);
  if (exclude) result.excludeCredentials = exclude;
  return result as unknown as PublicKeyCredentialCreationOptions;
}

export type CredentialJSON = {
  id: string;
  rawId: string;
  type: string;
  authenticatorAttachment: string | null;
  clientExtensionResults: AuthenticationExtensionsClientOutputs;
  response: Record<string, string | string[] | null>;
};

/** A credential from `navigator.credentials.get` or `.create` as JSON with base64url fields. */
export function credentialToJSON(credential: PublicKeyCredential): CredentialJSON {
  const r = credential.response;
  const response: Record<string, string | string[] | null> = {
    clientDataJSON: bytesToBase64url(r.clientDataJSON),
  };
  if ('authenticatorData' in r && 'signature' in r) {
    const a = r as AuthenticatorAssertionResponse;
    response.authenticatorData = bytesToBase64url(a.authenticatorData);
    response.signature = bytesToBase64url(a.signature);
    response.userHandle = a.userHandle ? bytesToBase64url(a.userHandle) : null;
  }
  if ('attestationObject' in r) {
    const a = r as AuthenticatorAttestationResponse;
    response.attestationObject = bytesToBase64url(a.attestationObject);
    if (typeof a.getTransports === 'function') response.transports = a.getTransports();
  }
  return {
    id: credential.id,
    rawId: bytesToBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? null,
    clientExtensionResults: credential.getClientExtensionResults(),
    response,
  };
}

export function passkeysSupported(): boolean {
  return (
    typeof window !== 'undefined' &&
    typeof window.PublicKeyCredential === 'function' &&
    typeof navigator.credentials?.get === 'function'
  );
}

/** Runs a sign-in (or re-authentication) ceremony: the options in, the credential JSON out. */
export async function getAssertion(options: unknown): Promise<CredentialJSON> {
  const credential = await navigator.credentials.get({
    publicKey: requestOptionsFromJSON(options),
  });
  if (!(credential instanceof PublicKeyCredential)) throw new Error('no credential');
  return credentialToJSON(credential);
}

export async function createCredential(options: unknown): Promise<CredentialJSON> {
  const credential = await navigator.credentials.create({
    publicKey: creationOptionsFromJSON(options),
  });
  if (!(credential instanceof PublicKeyCredential)) throw new Error('no credential');
  return credentialToJSON(credential);
}

/** The user closed the browser's passkey prompt (or it timed out): not worth an error. */
export function isCancelled(e: unknown): boolean {
  return e instanceof DOMException && (e.name === 'NotAllowedError' || e.name === 'AbortError');
}
