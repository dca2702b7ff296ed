/** The two string formats the config schema uses, shared with rule-argument checks. */

/** http or https URL with a host. */
export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * A bare address, local@domain: no display name, no spaces, no angle
 * brackets or line breaks, so nothing can be smuggled into a header.
 */
export function isEmailAddress(s: string): boolean {
  return (
    s.length <= 254 &&
    /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(s)
  );
}

/** Slack channel override from a rule: "#oncall", "@alice" or a channel id. */
export function isSlackChannel(s: string): boolean {
  return /^[#@][A-Za-z0-9._-]{1,80}$/.test(s);
}
