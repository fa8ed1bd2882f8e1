import { expect } from 'chai';
import { jwtVerify, SignJWT, UnsecuredJWT } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { signConsumerTokenV1, signConsumerTokenV2, verifyConsumerToken } from '../../src/sunbird/consumerTokens.js';
import { respeltSignature } from '../support/jws.js';

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
    const [header, , signature] = token.split('.');
    const changed = `${header}.${Buffer.from(JSON.stringify({ iss: 'other-key', iat: 1_790_000_001 })).toString('base64url')}.${signature}`;
    expect(await verifyConsumerToken(changed, { alg: 'RS256', publicKey }, new Date())).to.equal(undefined);
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(await verifyConsumerToken(token, { alg: 'RS256', publicKey: otherKey }, new Date())).to.equal(undefined);
  });

  it('refuses what jose refuses: another secret or payload, a none or HS384-headed token, a clipped or respelt signature, an nbf to come', async () => {
    const secret = 'a-consumer-secret';
    const verify = (token: string) => verifyConsumerToken(token, { alg: 'HS256', secret }, new Date());
    const good = await signConsumerTokenV1('k', 1_790_000_000, secret);
    expect(await verify(good)).to.deep.equal((await jwtVerify(good, new TextEncoder().encode(secret), { algorithms: ['HS256'] })).payload);
    const [header, , signature] = good.split('.') as [string, string, string];
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    expect(await verify(`${header}.${b64({ iss: 'other', iat: 1_790_000_000 })}.${signature}`)).to.equal(undefined);
    expect(await verify(new UnsecuredJWT({ iss: 'k', iat: 1 }).encode())).to.equal(undefined);
    const hs384 = await new SignJWT({ iss: 'k', iat: 1 }).setProtectedHeader({ alg: 'HS384' }).sign(new TextEncoder().encode(secret));
    expect(await verify(hs384)).to.equal(undefined);
    expect(await verify(good.slice(0, -2))).to.equal(undefined);
    const respelt = respeltSignature(good);
    expect(Buffer.from(respelt.split('.')[2]!, 'base64url').equals(Buffer.from(signature, 'base64url'))).to.equal(true);
    expect(await verify(respelt)).to.equal(undefined);
    const later = await new SignJWT({ iss: 'k', iat: 1, nbf: Math.floor(Date.now() / 1000) + 600 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
    expect(await verify(later)).to.equal(undefined);
  });

  it('refuses an HS256 token whose secret is the RSA public key (no algorithm confusion)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const confused = await signConsumerTokenV1('portal-key', 1, pem);
    expect(await verifyConsumerToken(confused, { alg: 'RS256', publicKey }, new Date())).to.equal(undefined);
    const v2 = await signConsumerTokenV2('portal-key', 1, 'kid', privateKey);
    expect(await verifyConsumerToken(v2, { alg: 'HS256', secret: pem }, new Date())).to.equal(undefined);
  });
});
