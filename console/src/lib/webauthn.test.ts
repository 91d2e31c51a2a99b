import { describe, expect, it } from 'vitest';
import {
  base64urlToBytes,
  bytesToBase64url,
  creationOptionsFromJSON,
  requestOptionsFromJSON,
} from './webauthn';

describe('base64url', () => {
  it('round-trips bytes, without padding and with the URL-safe alphabet', () => {
    const bytes = new Uint8Array([0, 251, 255, 254, 62, 63, 1]);
    const text = bytesToBase64url(bytes);
    expect(text).not.toMatch(/[+/=]/);
    expect([...base64urlToBytes(text)]).toEqual([...bytes]);
    expect(bytesToBase64url(bytes.buffer)).toBe(text);
    for (let n = 0; n < 6; n++) {
      const b = new Uint8Array(n).map((_, i) => i * 77);
      expect([...base64urlToBytes(bytesToBase64url(b))]).toEqual([...b]);
    }
  });

  it('converts request options, bare or wrapped in publicKey', () => {
    const json = {
      challenge: 'AAEC',
      rpId: 'desk.example',
      allowCredentials: [{ type: 'public-key', id: 'BAUG', transports: ['internal'] }],
      userVerification: 'required',
    };
    for (const options of [json, { publicKey: json }]) {
      const o = requestOptionsFromJSON(options);
      expect([...new Uint8Array(o.challenge as ArrayBuffer)]).toEqual([0, 1, 2]);
      expect([...new Uint8Array(o.allowCredentials?.[0]?.id as ArrayBuffer)]).toEqual([4, 5, 6]);
      expect(o.rpId).toBe('desk.example');
    }
  });

  it('converts creation options: challenge, user id and excluded credentials', () => {
    const o = creationOptionsFromJSON({
      challenge: 'AAEC',
      rp: { name: 'Verity desk' },
      user: { id: 'BwgJ', name: 'alice', displayName: 'Alice' },
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      excludeCredentials: [{ type: 'public-key', id: 'CgsM' }],
    });
    expect([...new Uint8Array(o.user.id as ArrayBuffer)]).toEqual([7, 8, 9]);
    expect(o.user.name).toBe('alice');
    expect([...new Uint8Array(o.excludeCredentials?.[0]?.id as ArrayBuffer)]).toEqual([10, 11, 12]);
  });
});
