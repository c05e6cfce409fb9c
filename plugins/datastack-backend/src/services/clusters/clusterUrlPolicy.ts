import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses that are not public unicast (IANA special-purpose registries),
 * as the kubernetes-backend refuses for catalog clusters (`ipaddr.js`
 * `range() !== 'unicast'`).
 */
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

function isNonPublic(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function hostMatches(hostname: string, pattern: string): boolean {
  const host = hostname.toLowerCase();
  const p = pattern.toLowerCase();
  if (p.startsWith('*.'))
    return host.endsWith(p.slice(1)) || host === p.slice(2);
  return host === p;
}

/**
 * Checks the API server URL of a catalog cluster as the kubernetes-backend's
 * catalog locator does: no credentials in it, https, and a host that is not a
 * private, loopback or link-local address (nor resolves to one), unless the
 * host is listed in `dangerouslyAllowClusterUrls` (then http is allowed too).
 * Returns why the URL is refused, or undefined.
 */
export async function refuseClusterUrl(
  raw: string,
  allowedHosts: string[],
): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'Kubernetes cluster API server URL is not a valid URL';
  }
  if (url.username || url.password) {
    return 'Kubernetes cluster API server URL must not contain credentials';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return 'Kubernetes cluster API server URL must use the HTTP or HTTPS scheme';
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (allowedHosts.some(p => hostMatches(hostname, p))) return undefined;
  if (url.protocol !== 'https:') {
    return 'Kubernetes cluster API server URL must use the HTTPS scheme';
  }
  if (isIP(hostname)) {
    return isNonPublic(hostname)
      ? 'Kubernetes cluster API server URL must not use a non-public IP address'
      : undefined;
  }
  let addresses: Array<{ address: string }>;
  try {
    addresses = await lookup(hostname, { all: true });
  } catch (error) {
    return `Kubernetes cluster API server URL hostname "${hostname}" does not resolve (${
      (error as NodeJS.ErrnoException).code
    })`;
  }
  return addresses.some(a => isNonPublic(a.address))
    ? `Kubernetes cluster API server URL hostname "${hostname}" resolves to a non-public address`
    : undefined;
}
