import { expect } from 'chai';
import { SignJWT } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { signConsumerTokenV1, signConsumerTokenV2, verifyConsumerToken } from '../../src/sunbird/consumerTokens.js';

describe('Sunbird consumer tokens, signed with node:crypto', () => {
  it('v1 is byte for byte the token jose signs: header {"alg":"HS256"}, claims {iss, iat}, the secret as HMAC key', async () => {
    const secret = 'a-consumer-secret-ünïcode';
    const token = await signConsumerTokenV1('mobile-key-1', 1_790_000_000, secret);
    const expected = await new SignJWT({ iss: 'mobile-key-1', iat: 1_790_000_000 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
    expect(token).to.equal(expected);
    expect(await verifyConsumerToken(token, { alg: 'HS256', secret }, new Date())).to.deep.equal({ iss: 'mobile-key-1', iat: 1_790_000_000 });
    expect(await verifyConsumerToken(token, { alg: 'HS256', secret: 'another' }, new Date())).to.equal(undefined);
  });

  it('v2 is byte for byte the RS256 token jose signs, with its kid', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await signConsumerTokenV2('portal-key', 1_790_000_001, 'mobile_devicev2_key1', privateKey);
    const expected = await new SignJWT({ iss: 'portal-key', iat: 1_790_000_001 }).setProtectedHeader({ alg: 'RS256', kid: 'mobile_devicev2_key1' }).sign(privateKey);
    expect(token).to.equal(expected);
    expect(await verifyConsumerToken(token, { alg: 'RS256', publicKey }, new Date())).to.deep.equal({ iss: 'portal-key', iat: 1_790_000_001 });
  });
});
