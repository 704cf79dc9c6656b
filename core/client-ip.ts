import { isIP } from 'node:net';

// The client's address for per-IP limits. X-Forwarded-For is believed only when the direct peer is
// a configured proxy: anyone can send the header, so an untrusted one would let a client pick its
// own key and slip past the limits.

const LOOPBACK = (ip: string) => ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
const bare = (ip: string) => (ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip);

function trusted(ip: string, proxies: readonly string[]): boolean {
  return proxies.some((p) => (p === 'loopback' ? LOOPBACK(ip) : bare(p) === bare(ip)));
}

/**
 * The client address: the peer itself, or (behind trusted proxies) the right-most X-Forwarded-For
 * entry that is not one of them.
 */
export function clientIp(peer: string | undefined, forwardedFor: string | string[] | undefined, proxies: readonly string[]): string {
  const direct = bare(peer ?? 'unknown');
  if (proxies.length === 0 || !trusted(direct, proxies)) return direct;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '');
  const hops = header.split(',').map((h) => h.trim()).filter((h) => isIP(bare(h)) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) if (!trusted(hops[i]!, proxies)) return bare(hops[i]!);
  return direct;
}
