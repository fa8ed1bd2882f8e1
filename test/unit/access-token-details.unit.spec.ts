import { expect } from 'chai';
import { parseAccessTokenBody, parseExpiry, type AccessTokenBody } from '../../src/access-requests/tokenDetails.js';
import { BadRequest } from '../../src/errors.js';

const NOW = new Date('2026-03-01T10:00:00Z');
const KEY = '97cab587-2a3c-4308-8268-b636ea1479b6';

describe('access token bodies (both documented shapes)', () => {
  it('given the APIKey shape, then the key is the secret and expiryDate an ISO time', () => {
    const parsed = parseAccessTokenBody(
      { type: 'APIKey', accessTokenDetails: [{ key: 'apiKeyString', value: KEY }, { key: 'expiryDate', value: '2026-12-31' }] },
      NOW,
    );
    expect(parsed).to.deep.include({ type: 'APIKey', secret: KEY, clientId: null, expiresAt: '2026-12-31T00:00:00.000Z', claimed: {} });
  });

  it('given the Application shape with OAuth2, then clientSecret is the secret and "3600" a lifetime in seconds', () => {
    const body: AccessTokenBody = {
      name: 'app',
      description: 'sample desc',
      appId: 'app-1',
      userId: 'alice',
      type: 'Application',
      accessTokenDetails: [
        {
          type: 'OAuth2',
          properties: [
            { key: 'clientId', value: 'client-1' },
            { key: 'clientSecret', value: KEY },
            { key: 'refreshCount', value: '0' },
            { key: 'expiryDate', value: '3600' },
            { key: 'redirect_uris', value: '["https://app.example/cb"]' },
            { key: 'accesstoken_uris', value: '["https://as.example/token"]' },
          ],
        },
      ],
    };
    const parsed = parseAccessTokenBody(body, NOW);
    expect(parsed).to.deep.include({ type: 'OAuth2', secret: KEY, clientId: 'client-1', expiresAt: '2026-03-01T11:00:00.000Z' });
    expect(parsed.claimed).to.deep.equal({ appId: 'app-1', userId: 'alice' });
    expect(parsed.properties).to.have.length(6);
  });

  const bad: Array<[string, AccessTokenBody, string]> = [
    ['no apiKeyString', { type: 'APIKey', accessTokenDetails: [{ key: 'expiryDate', value: '3600' }] }, 'apiKeyString is required for APIKey'],
    ['no clientId', { type: 'OAuth2', accessTokenDetails: [{ key: 'clientSecret', value: KEY }] }, 'clientId is required for OAuth2'],
    ['an empty value', { type: 'APIKey', accessTokenDetails: [{ key: 'apiKeyString', value: '' }] }, 'apiKeyString is required for APIKey'],
    ['a key twice', { type: 'APIKey', accessTokenDetails: [{ key: 'apiKeyString', value: KEY }, { key: 'apiKeyString', value: KEY }] }, 'apiKeyString is given twice'],
    ['an OAuth2 key on an API key', { type: 'APIKey', accessTokenDetails: [{ key: 'apiKeyString', value: KEY }, { key: 'clientId', value: 'c' }] }, "Unknown key 'clientId' for APIKey"],
    ['a short secret', { type: 'OAuth2', accessTokenDetails: [{ key: 'clientId', value: 'c' }, { key: 'clientSecret', value: 'short' }] }, 'clientSecret must be at least 16'],
    ['a bad URI list', { type: 'OAuth2', accessTokenDetails: [{ key: 'clientId', value: 'c' }, { key: 'clientSecret', value: KEY }, { key: 'redirect_uris', value: 'https://x' }] }, 'redirect_uris must be a JSON list of URIs'],
    ['a bad refreshCount', { type: 'OAuth2', accessTokenDetails: [{ key: 'clientId', value: 'c' }, { key: 'clientSecret', value: KEY }, { key: 'refreshCount', value: '-1' }] }, 'refreshCount must be a non-negative integer'],
    ['a {key,value} entry without key', { type: 'APIKey', accessTokenDetails: [{ value: KEY }] }, 'accessTokenDetails[0].key is required'],
    ['two Application entries', { type: 'Application', accessTokenDetails: [{ type: 'APIKey', properties: [] }, { type: 'APIKey', properties: [] }] }, 'accessTokenDetails must hold exactly one entry'],
    ['an Application entry without type', { type: 'Application', accessTokenDetails: [{ properties: [{ key: 'apiKeyString', value: KEY }] }] }, 'accessTokenDetails[0].type must be one of: APIKey, OAuth2'],
    ['Application fields on the flat shape', { type: 'APIKey', appId: 'a', accessTokenDetails: [{ key: 'apiKeyString', value: KEY }] }, 'appId belongs to the "Application" body shape'],
  ];
  for (const [name, body, message] of bad) {
    it(`given ${name}, then 400 saying so`, () => {
      expect(() => parseAccessTokenBody(body, NOW)).to.throw(BadRequest, message);
    });
  }

  describe('expiryDate', () => {
    it('accepts a date, a date-time with offset, and seconds', () => {
      expect(parseExpiry('2026-03-02', NOW)).to.equal('2026-03-02T00:00:00.000Z');
      expect(parseExpiry('2026-03-01T12:00:00+01:00', NOW)).to.equal('2026-03-01T11:00:00.000Z');
      expect(parseExpiry('60', NOW)).to.equal('2026-03-01T10:01:00.000Z');
    });
    it('refuses the past, zero, and what is not a date', () => {
      expect(() => parseExpiry('2026-03-01T09:59:59Z', NOW)).to.throw(BadRequest, 'in the future');
      expect(() => parseExpiry('0', NOW)).to.throw(BadRequest, 'positive');
      expect(() => parseExpiry('next tuesday', NOW)).to.throw(BadRequest, 'ISO 8601');
      expect(() => parseExpiry('2026-13-45', NOW)).to.throw(BadRequest);
    });
  });
});
