import { describe, expect, it } from 'vitest';
import { configWarnings, loadConfig, ConfigError } from '../../server/config.ts';

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

  it('refuses the demo identity provider in production', () => {
    expect(errorOf({ NODE_ENV: 'production', PUBLIC_ORIGIN: 'https://a.example' })).toMatch(/EID_ISSUER is required in production/);
  });

  it('refuses demo data and zero-minute windows in production', () => {
    const base = { NODE_ENV: 'production', PUBLIC_ORIGIN: 'https://a.example', EID_ISSUER: 'https://id.example', EID_AUDIENCE: 'x' };
    expect(errorOf({ ...base, DEMO_DATA: 'true' })).toMatch(/DEMO_DATA/);
    expect(errorOf({ ...base, AUCTION_MIN_BIDDING_MINUTES: '0' })).toMatch(/AUCTION_MIN_BIDDING_MINUTES/);
    expect(loadConfig(base).demoData).toBe(false);
  });

  it('requires the deposit range to be in order', () => {
    expect(errorOf({ AUCTION_DEPOSIT_MIN_PCT: '30', AUCTION_DEPOSIT_MAX_PCT: '20' })).toMatch(/AUCTION_DEPOSIT_MIN_PCT/);
  });

  it('sizes request and connection budgets for a real auction day, and takes them from the environment', () => {
    expect(loadConfig({}).rateLimits).toEqual({
      person: { perSecond: 50, burst: 200 },
      address: { perSecond: 200, burst: 1_000 },
      socketConnectsPerson: { perSecond: 1, burst: 30 },
      socketConnectsAddress: { perSecond: 20, burst: 300 },
    });
    expect(loadConfig({ RATE_LIMIT_PERSON_BURST: '7', SOCKET_CONNECTS_ADDRESS_PER_MINUTE: '120' }).rateLimits).toMatchObject({ person: { burst: 7 }, socketConnectsAddress: { perSecond: 2 } });
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
});
