import { describe, expect, it } from 'vitest';
import { configWarnings, loadConfig, ConfigError, modeLine } from '../../server/config.ts';
import { PAYMENT_ACCOUNT } from '../support/production-env.ts';

/** The keys production requires (files are read at start, not by the configuration), and the account. */
const PRODUCTION_KEYS = {
  RECORD_SIGNING_KEY_FILE: '/etc/auction/record-signing-key.jwk',
  PERSON_HASH_KEY_FILE: '/etc/auction/person-hash.key',
  PERSONAL_DATA_KEY_FILE: '/etc/auction/personal-data.key',
  SEALED_BID_KEY_FILE: '/etc/auction/sealed-bid.key',
  ...PAYMENT_ACCOUNT,
};

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('configuration', () => {
  it('starts with defaults in demo mode', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.dataDir).toBe('./data');
    expect(c.eid.demo).toBe(true);
    expect(c.eid.algorithms).toEqual(['ES256', 'EdDSA', 'RS256', 'PS256']);
    expect(c.policy).toEqual({ minBiddingMinutes: 15, depositMinPct: 5, depositMaxPct: 20, minBidders: 2 });
  });

  it('forfeits no-shows’ deposits by default; NO_SHOW_FORFEIT=false keeps them (issue 18)', () => {
    expect(loadConfig({}).attendance).toEqual({ noShowForfeit: true });
    expect(loadConfig({ NO_SHOW_FORFEIT: 'false' }).attendance).toEqual({ noShowForfeit: false });
    const msg = errorOf({ NO_SHOW_FORFEIT: 'sometimes' });
    expect(msg).toContain('NO_SHOW_FORFEIT');
    expect(msg).toContain('true or false');
  });

  it('names the variable and what it expects for a bad port', () => {
    const msg = errorOf({ PORT: 'eighty' });
    expect(msg).toContain('PORT');
    expect(msg).toContain('whole number');
    expect(msg.split('\n')).toHaveLength(1);
  });

  it('rejects a malformed admin personal id', () => {
    expect(errorOf({ ADMIN_PIDS: '123' })).toMatch(/ADMIN_PIDS.*12-digit/);
  });

  it('rejects an algorithm outside the known set', () => {
    expect(errorOf({ EID_ALGORITHMS: 'ES256,none' })).toMatch(/EID_ALGORITHMS/);
  });

  it('rejects a database URL that is not postgres', () => {
    expect(errorOf({ DATABASE_URL: 'mysql://x' })).toMatch(/DATABASE_URL.*postgres/);
  });

  it("requires the auction house's whole account in production, and all of it or none anywhere", () => {
    const production = {
      NODE_ENV: 'production',
      PUBLIC_ORIGIN: 'https://a.example',
      EID_ISSUER: 'https://id.example',
      EID_AUDIENCE: 'a',
    };
    const { PAYMENT_ACCOUNT_BANK: _bank, ...withoutBank } = PRODUCTION_KEYS;
    expect(errorOf({ ...production, ...withoutBank })).toBe(
      'set all of PAYMENT_ACCOUNT_BANK, PAYMENT_ACCOUNT_BIN, PAYMENT_ACCOUNT_NUMBER, PAYMENT_ACCOUNT_HOLDER or none (missing: PAYMENT_ACCOUNT_BANK)',
    );
    expect(errorOf({ ...production, ...PRODUCTION_KEYS, PAYMENT_ACCOUNT_BIN: '97043' })).toMatch(
      /^invalid PAYMENT_ACCOUNT_BIN="97043": expected the bank's 6-digit NAPAS BIN/,
    );
    expect(loadConfig({ ...production, ...PRODUCTION_KEYS }).money.account).toEqual({
      bank: 'Ngân hàng TMCP Ngoại thương Việt Nam',
      bin: '970436',
      number: '0011004455667',
      holder: 'CONG TY DAU GIA HOP DANH',
    });
    expect(loadConfig({}).money).toMatchObject({
      paymentDeadline: { days: 30, kind: 'calendar' },
      refundDeadlineWorkingDays: 3,
      account: { holder: 'DAU GIA TRUC TUYEN DEMO' },
    });
    expect(errorOf({ PAYMENT_DEADLINE_KIND: 'lunar' })).toMatch(
      /^invalid PAYMENT_DEADLINE_KIND="lunar": expected calendar or working/,
    );
  });

  it('refuses the demo identity provider in production', () => {
    expect(errorOf({ NODE_ENV: 'production', PUBLIC_ORIGIN: 'https://a.example' })).toMatch(
      /EID_ISSUER is required in production/,
    );
  });

  it('refuses demo data and zero-minute windows in production', () => {
    const base = {
      NODE_ENV: 'production',
      PUBLIC_ORIGIN: 'https://a.example',
      EID_ISSUER: 'https://id.example',
      EID_AUDIENCE: 'x',
      ...PRODUCTION_KEYS,
    };
    expect(errorOf({ ...base, DEMO_DATA: 'true' })).toMatch(/DEMO_DATA/);
    expect(errorOf({ ...base, AUCTION_MIN_BIDDING_MINUTES: '0' })).toMatch(/AUCTION_MIN_BIDDING_MINUTES/);
    expect(loadConfig(base).demoData).toBe(false);
  });

  it('requires the deposit range to be in order', () => {
    expect(errorOf({ AUCTION_DEPOSIT_MIN_PCT: '30', AUCTION_DEPOSIT_MAX_PCT: '20' })).toMatch(
      /AUCTION_DEPOSIT_MIN_PCT/,
    );
  });

  it('sizes request and connection budgets for a real auction day, and takes them from the environment', () => {
    expect(loadConfig({}).rateLimits).toEqual({
      person: { perSecond: 50, burst: 200 },
      address: { perSecond: 200, burst: 1_000 },
      socketConnectsPerson: { perSecond: 1, burst: 30 },
      socketConnectsAddress: { perSecond: 20, burst: 300 },
    });
    expect(
      loadConfig({ RATE_LIMIT_PERSON_BURST: '7', SOCKET_CONNECTS_ADDRESS_PER_MINUTE: '120' }).rateLimits,
    ).toMatchObject({ person: { burst: 7 }, socketConnectsAddress: { perSecond: 2 } });
    expect(errorOf({ RATE_LIMIT_ADDRESS_PER_SECOND: '0' })).toMatch(/RATE_LIMIT_ADDRESS_PER_SECOND.*whole number/);
    expect(errorOf({ HTTP_HEADERS_TIMEOUT_MS: 'soon' })).toMatch(/HTTP_HEADERS_TIMEOUT_MS/);
  });

  it('warns when several processes share Redis without TRUST_PROXY', () => {
    expect(configWarnings(loadConfig({}))).toEqual([]);
    expect(configWarnings(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', TRUST_PROXY: 'true' }))).toEqual([]);
    const [warning, ...rest] = configWarnings(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }));
    expect(rest).toEqual([]);
    expect(warning).toMatch(/TRUST_PROXY/);
  });

  it('turns the demo provider and demo data off at any sign of a deployment, unless DEMO=true', () => {
    // The zero-config start, and a developer's loopback origin, stay the full demo.
    for (const env of [
      {},
      { PUBLIC_ORIGIN: 'http://localhost:3000' },
      { PUBLIC_ORIGIN: 'http://127.0.0.1:8080' },
      { PUBLIC_ORIGIN: 'http://[::1]:3000' },
    ]) {
      const c = loadConfig(env);
      expect(c.eid.demo).toBe(true);
      expect(c.demoData).toBe(true);
      expect(c.deploymentSigns).toEqual([]);
    }
    // NODE_ENV unset runs as development; a deployment that forgets EID_ISSUER does not get the demo provider.
    expect(loadConfig({}).env).toBe('development');
    expect(errorOf({ DATABASE_URL: 'postgres://db.internal/auction' })).toMatch(
      /^No e-ID provider: set EID_ISSUER and EID_AUDIENCE\. This looks like a deployment \(DATABASE_URL is set\).*set DEMO=true to run it anyway/,
    );
    expect(errorOf({ PUBLIC_ORIGIN: 'https://auction.example.vn' })).toMatch(
      /No e-ID provider.*PUBLIC_ORIGIN https:\/\/auction\.example\.vn is not a loopback address/,
    );
    expect(errorOf({ PUBLIC_ORIGIN: 'http://10.0.0.5:3000' })).toMatch(/No e-ID provider/);
    expect(errorOf({ DEMO: 'false' })).toMatch(/No e-ID provider.*DEMO=false/);
    // With a provider, a deployment runs without demo data.
    const deployed = loadConfig({
      DATABASE_URL: 'postgres://db.internal/auction',
      EID_ISSUER: 'https://id.example',
      EID_AUDIENCE: 'x',
    });
    expect(deployed.eid.demo).toBe(false);
    expect(deployed.demoData).toBe(false);
    // Asked for by name: the demo on a server with its own database (a public demo site).
    const demo = loadConfig({
      DATABASE_URL: 'postgres://db.internal/auction',
      PUBLIC_ORIGIN: 'https://demo.example.vn',
      DEMO: 'true',
    });
    expect(demo.eid.demo).toBe(true);
    expect(demo.demoData).toBe(true);
    expect(
      loadConfig({ DATABASE_URL: 'postgres://db.internal/auction', DEMO: 'true', DEMO_DATA: 'false' }).demoData,
    ).toBe(false);
    // Never in production.
    expect(errorOf({ NODE_ENV: 'production', PUBLIC_ORIGIN: 'https://a.example', DEMO: 'true' })).toMatch(
      /DEMO=true is not allowed in production/,
    );
    expect(errorOf({ DEMO: 'maybe' })).toMatch(/DEMO.*true or false/);
  });

  it('refuses http:// origins, issuers and JWKS URLs in production', () => {
    const base = {
      NODE_ENV: 'production',
      PUBLIC_ORIGIN: 'https://a.example',
      EID_ISSUER: 'https://id.example',
      EID_AUDIENCE: 'x',
      EID_JWKS_URL: 'https://id.example/jwks',
      ...PRODUCTION_KEYS,
    };
    expect(loadConfig(base).env).toBe('production');
    expect(errorOf({ ...base, PUBLIC_ORIGIN: 'http://a.example' })).toBe(
      'PUBLIC_ORIGIN must be an https:// URL in production (got http://a.example)',
    );
    expect(errorOf({ ...base, EID_ISSUER: 'http://id.example' })).toMatch(
      /^EID_ISSUER must be an https:\/\/ URL in production/,
    );
    expect(errorOf({ ...base, EID_JWKS_URL: 'http://id.example/jwks' })).toMatch(
      /^EID_JWKS_URL must be an https:\/\/ URL in production/,
    );
    expect(errorOf({ ...base, CORS_ORIGINS: 'https://bank.example,http://bank.example' })).toMatch(
      /^CORS_ORIGINS must be an https:\/\/ URL in production \(got http:\/\/bank\.example\)/,
    );
    // Outside production, http is allowed (a developer's own provider on this machine).
    expect(loadConfig({ EID_ISSUER: 'http://127.0.0.1:9000', EID_AUDIENCE: 'x' }).eid.issuer).toBe(
      'http://127.0.0.1:9000',
    );
  });

  it('says which mode runs in one start-up line', () => {
    expect(modeLine(loadConfig({}))).toMatch(
      /^Mode: demo \(NODE_ENV=development; zero-config start on this machine\): built-in demo e-ID provider .*demo data on\. Not for production\.$/,
    );
    expect(modeLine(loadConfig({ DATABASE_URL: 'postgres://db/x', DEMO: 'true' }))).toMatch(
      /^Mode: demo \(NODE_ENV=development; DEMO=true although DATABASE_URL is set\)/,
    );
    expect(
      modeLine(
        loadConfig({
          NODE_ENV: 'production',
          PUBLIC_ORIGIN: 'https://a.example',
          EID_ISSUER: 'https://id.example',
          EID_AUDIENCE: 'x',
          ...PRODUCTION_KEYS,
        }),
      ),
    ).toBe('Mode: production (e-ID provider https://id.example; demo identity provider off; no demo data)');
  });

  it('requires the record-signing and person-hash keys from configuration in production, never generated', () => {
    const base = {
      NODE_ENV: 'production',
      PUBLIC_ORIGIN: 'https://a.example',
      EID_ISSUER: 'https://id.example',
      EID_AUDIENCE: 'x',
    };
    const missing = errorOf(base).split('\n');
    expect(missing).toEqual([
      'RECORD_SIGNING_KEY or RECORD_SIGNING_KEY_FILE is required in production (the record-signing key is never generated into the database there)',
      'PERSON_HASH_KEY or PERSON_HASH_KEY_FILE is required in production (the key of the hashes that chains carry instead of personal ids; never change it)',
      'PERSONAL_DATA_KEY or PERSONAL_DATA_KEY_FILE is required in production (the key that wraps the keys of personal data at rest; it never lives in the database)',
      'SEALED_BID_KEY or SEALED_BID_KEY_FILE is required in production (the key that wraps the keys of sealed bids; never change it while a sealed lot is open)',
      'PAYMENT_ACCOUNT_BANK, PAYMENT_ACCOUNT_BIN, PAYMENT_ACCOUNT_NUMBER, PAYMENT_ACCOUNT_HOLDER are required in production (the account that deposits and balances are paid into)',
    ]);
    const c = loadConfig({
      ...base,
      ...PAYMENT_ACCOUNT,
      RECORD_SIGNING_KEY: '{"kty":"OKP"}',
      PERSON_HASH_KEY: 'k'.repeat(32),
      PERSONAL_DATA_KEY: 'k1:' + 'd'.repeat(40),
      SEALED_BID_KEY: 's'.repeat(43),
      RECORD_RETIRED_KEYS_FILE: '/etc/auction/retired.jwks',
    });
    expect(c).toMatchObject({
      recordSigningKey: '{"kty":"OKP"}',
      personHashKey: 'k'.repeat(32),
      recordRetiredKeysFile: '/etc/auction/retired.jwks',
    });
    expect(errorOf({ ...base, ...PRODUCTION_KEYS, RECORD_SIGNING_KEY: '{}' })).toBe(
      'set RECORD_SIGNING_KEY or RECORD_SIGNING_KEY_FILE, not both',
    );
    expect(errorOf({ PERSON_HASH_KEY: 'too short' })).toMatch(/^invalid PERSON_HASH_KEY=.*at least 32 characters/);
    expect(errorOf({ PERSONAL_DATA_KEY: 'too short' })).toMatch(/^invalid PERSONAL_DATA_KEY=.*at least 32 characters/);
    expect(errorOf({ PERSONAL_DATA_KEY: 'd'.repeat(40), PERSONAL_DATA_KEY_FILE: '/k' })).toBe(
      'set PERSONAL_DATA_KEY or PERSONAL_DATA_KEY_FILE, not both',
    );
    expect(errorOf({ SEALED_BID_KEY: 'too short' })).toMatch(/^invalid SEALED_BID_KEY=.*32 random bytes as base64url/);
    // Outside production the demo stays zero-config: both keys are optional.
    expect(loadConfig({}).recordSigningKey).toBeUndefined();
    expect(loadConfig({}).personHashKey).toBeUndefined();
  });

  it('takes a separate schema owner for migrations, and warns when the app role is also the owner', () => {
    expect(
      loadConfig({
        DATABASE_URL: 'postgres://app@db/auction',
        DATABASE_OWNER_URL: 'postgres://owner@db/auction',
        DEMO: 'true',
      }).databaseOwnerUrl,
    ).toBe('postgres://owner@db/auction');
    expect(errorOf({ DATABASE_OWNER_URL: 'postgres://owner@db/auction' })).toMatch(
      /DATABASE_OWNER_URL is set without DATABASE_URL/,
    );
    const warnings = configWarnings(loadConfig({ DATABASE_URL: 'postgres://app@db/auction', DEMO: 'true' }));
    expect(
      warnings.some((w) => /DATABASE_URL is set without DATABASE_OWNER_URL.*disable the append-only triggers/.test(w)),
    ).toBe(true);
    expect(warnings.some((w) => /PERSON_HASH_KEY is not set/.test(w))).toBe(true);
    expect(warnings.some((w) => /SEALED_BID_KEY is not set/.test(w))).toBe(true);
    expect(warnings.some((w) => /PERSONAL_DATA_KEY is not set/.test(w))).toBe(true);
    expect(
      configWarnings(
        loadConfig({
          DATABASE_URL: 'postgres://app@db/auction',
          DATABASE_OWNER_URL: 'postgres://owner@db/auction',
          PERSON_HASH_KEY: 'k'.repeat(32),
          PERSONAL_DATA_KEY: 'd'.repeat(40),
          SEALED_BID_KEY: 's'.repeat(43),
          DEMO: 'true',
        }),
      ),
    ).toEqual([]);
  });
});
