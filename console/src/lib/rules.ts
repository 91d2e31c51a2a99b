/** The desk's input rules, checked before sending (the desk checks them again). */

/** `72h`, `7d`…: hours or days, at most 90 days. */
export function ttlValid(value: string): boolean {
  const m = /^([1-9][0-9]{0,4})([hd])$/.exec(value);
  if (!m) return false;
  const hours = Number(m[1]) * (m[2] === 'd' ? 24 : 1);
  return hours <= 90 * 24;
}

/** Printable characters (no control characters), `min` to `max` of them. */
export function printable(value: string, min = 1, max = 128): boolean {
  return value.length >= min && value.length <= max && !/\p{Cc}/u.test(value);
}

/** A comma-separated list: trimmed items, the empty ones dropped. */
export function splitList(value: string): string[] {
  return value
    .split(/[,\u060C\u3001\uFF0C]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** A language tag like `en` or `zh-HK`. */
export const languageTag = (value: string): boolean =>
  /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/.test(value);

/** An ISO 3166-1 alpha-2 region code, like `HK` (upper case). */
export const regionCode = (value: string): boolean => /^[A-Z]{2}$/.test(value);

/** An IPv4 or IPv6 address range in CIDR notation, like `10.0.0.0/8` or `2001:db8::/32`. */
export function cidr(value: string): boolean {
  const m = /^([0-9a-fA-F:.]+)\/([0-9]{1,3})$/.exec(value);
  if (!m) return false;
  const [, address = '', bits = ''] = m;
  const prefix = Number(bits);
  if (address.includes(':')) return prefix <= 128 && /^[0-9a-fA-F:]*(:[0-9.]+)?$/.test(address);
  const parts = address.split('.');
  return (
    prefix <= 32 &&
    parts.length === 4 &&
    parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255)
  );
}

/** A drill number as the reserved list keeps it: `+` and 8–15 digits, not starting with 0. */
export const e164 = (value: string): boolean => /^\+[1-9][0-9]{7,14}$/.test(value);

/**
 * A drill link (`proto::drill::valid_drill_link`): `https://`, a host, printable ASCII without
 * spaces, quotes or angle brackets, at most 256 characters.
 */
export function drillLink(value: string): boolean {
  const m = /^https:\/\/([^/?#]*)/.exec(value);
  if (!m) return false;
  const host = m[1] ?? '';
  return (
    value.length <= 256 &&
    /^[A-Za-z0-9.:-]+$/.test(host) &&
    /^[\x21-\x7e]+$/.test(value) &&
    !/["'<>`]/.test(value)
  );
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** The next working day (Monday to Friday) after `now`, as `YYYY-MM-DD` in local time. */
export function nextWorkingDay(now: Date): string {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  while (d.getDay() === 0 || d.getDay() === 6) d.setDate(d.getDate() + 1);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
