import type { Request } from 'express';
import ipaddr from 'ipaddr.js';

/**
 * The one key under which rate limits and the access-code lockout count a client. Shared by the in-memory
 * counters and any shared (Redis) store, so every instance groups clients the same way.
 *
 * - The address is `req.ip`, i.e. as resolved through `trust proxy` (a hop count or the proxies' own
 *   addresses, never "trust everything": see config.ts), so a client cannot pick it with X-Forwarded-For.
 * - IPv6 clients are grouped by their /64: one subscriber line or host usually holds a whole /64, and
 *   counting single addresses would give a guesser 2^64 fresh identities.
 * - IPv4-mapped IPv6 (`::ffff:192.0.2.1`) counts as the IPv4 address it is.
 * The key is an address (personal data): it lives in memory or in a never-persisted store only.
 */
export function clientKeyOf(address: string | undefined): string {
  if (!address) return 'unknown';
  const now = Date.now();
  if (recentKeys.size >= RECENT_KEYS_MAX || now - recentSince >= RECENT_KEYS_MS) {
    recentKeys.clear();
    recentSince = now;
  }
  let key = recentKeys.get(address);
  if (key === undefined) {
    key = computeKey(address);
    recentKeys.set(address, key);
  }
  return key;
}

function computeKey(address: string): string {
  if (!ipaddr.isValid(address)) return 'unknown';
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  const parts = (ip as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}

/**
 * Parsing the address was ~2% of a lobby join (bench), paid twice per request (rate limit, lockout). The
 * addresses seen lately map to their keys here: in memory only, like the counters keyed by them, and dropped
 * wholesale when full or a minute old, so the map stays bounded whatever addresses arrive and a quiet instance
 * does not hold an address for hours after its last request.
 */
const RECENT_KEYS_MAX = 4096;
const RECENT_KEYS_MS = 60_000;
const recentKeys = new Map<string, string>();
let recentSince = Date.now();

export function clientKey(req: Request): string {
  return clientKeyOf(req.ip ?? req.socket.remoteAddress);
}

/**
 * `trust proxy` values we accept: a hop count, or the addresses/CIDRs of the proxies in front of us.
 * `true` (trust every hop) would let any client choose its own address with X-Forwarded-For, so it is refused.
 */
export function trustProxyProblem(value: unknown): string | undefined {
  if (value === false) return undefined;
  if (typeof value === 'number')
    return Number.isInteger(value) && value >= 0 && value <= 10 ? undefined : 'a hop count must be an integer from 0 to 10';
  if (Array.isArray(value)) {
    if (value.length === 0) return 'give at least one proxy address or CIDR, or a hop count';
    const bad = value.find((v) => typeof v !== 'string' || !(ipaddr.isValid(v) || ipaddr.isValidCIDR(v)));
    return bad === undefined ? undefined : `${JSON.stringify(bad)} is not an IP address or CIDR (e.g. "10.0.0.5" or "10.0.0.0/8")`;
  }
  if (value === true) {
    return 'true would trust any X-Forwarded-For a client sends (anyone could bypass the rate limits and the code lockout); give the number of proxies in front of this server (e.g. 1) or their addresses/CIDRs (e.g. ["10.0.0.5"])';
  }
  return 'must be a hop count (e.g. 1) or a list of proxy addresses/CIDRs (e.g. ["10.0.0.0/8"])';
}
