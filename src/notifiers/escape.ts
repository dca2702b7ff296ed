/**
 * Kernel strings are untrusted: any user can name a process `<!channel>`,
 * `<img src=x>` or put a newline in it. Everything that reaches a medium goes
 * through visible() (no control, line-separator or bidi characters), then the
 * medium's escape, then a length cap with a visible marker.
 */

// C0, DEL, C1, line/paragraph separators, bidi embeddings, overrides and isolates,
// and the lone surrogates U+DC80..U+DCFF that stand for bytes that were not UTF-8
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]|[\udc80-\udcff]/g;

/**
 * `\xNN` for a C0 control or DEL and for a byte that was not UTF-8 (NN from
 * 80 to ff), `\uNNNN` for any other character shown: so `\x80` is always the
 * byte 0x80 and `\u0080` the character U+0080.
 */
export function visible(s: string): string {
  return s.replace(INVISIBLE, (c) => {
    const code = c.charCodeAt(0);
    if (code >= 0xdc80 && code <= 0xdcff) return `\\x${(code & 0xff).toString(16)}`;
    return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

const marker = (cut: number): string => `…[+${cut} chars]`;

/**
 * The longest prefix of `raw` whose escaped form plus the truncation marker
 * fits in `max` characters. Cuts raw text, never an escape sequence, and
 * never between the halves of a surrogate pair.
 */
export function fit(raw: string, max: number, escape: (s: string) => string = (s) => s): string {
  const whole = escape(raw);
  if (whole.length <= max) return whole;
  let lo = 0;
  let hi = raw.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (escape(raw.slice(0, mid)).length + marker(raw.length - mid).length <= max) lo = mid;
    else hi = mid - 1;
  }
  let n = lo;
  const code = raw.charCodeAt(n - 1);
  if (n > 0 && code >= 0xd800 && code <= 0xdbff) n--;
  const out = escape(raw.slice(0, n)) + marker(raw.length - n);
  return out.length <= max ? out : out.slice(0, max);
}

/**
 * Reversible, for fields the docs call exact: `\` doubled and invisible
 * characters as `\xNN` / `\uNNNN`, so nothing in the text is obeyed and
 * unescaping gives the kernel's string back.
 */
export function escapedExact(s: string): string {
  return visible(s.replace(/\\/g, '\\\\'));
}

/**
 * Slack formats `*b*`, `_i_`, `~s~` and `` `c` `` where the marker touches a
 * word boundary, and links anything that looks like a URL, a domain or an
 * address. In kernel text those become look-alikes that Slack leaves alone:
 * markers at a boundary, and the dot (or `://`) that would make a link.
 * `pg_dump` keeps its underscore: Slack formats nothing inside a word.
 */
const SLACK_MARKERS: Readonly<Record<string, string>> = { '*': '\u2217', _: '\uff3f', '~': '\u223c', '`': '\u02cb' };

function slackInert(s: string): string {
  return s
    .replace(/(^|[^A-Za-z0-9])([*_~`]+)|([*_~`]+)(?=[^A-Za-z0-9]|$)/g, (_m, before: string | undefined, lead: string | undefined, trail: string | undefined) =>
      lead !== undefined ? (before ?? '') + [...lead].map((c) => SLACK_MARKERS[c]).join('') : [...(trail ?? '')].map((c) => SLACK_MARKERS[c]).join(''),
    )
    .replace(/[`]/g, SLACK_MARKERS['`'] as string)
    .replace(/([A-Za-z0-9-])\.(?=[A-Za-z])/g, '$1\u2024')
    .replace(/:\/\//g, ':\u2215\u2215');
}

/** Slack mrkdwn and the fallback text: no `<!channel>`, `<@U1>`, `<url|link>`, no bare @here, no formatting or links from kernel text. */
export function slackText(s: string): string {
  return slackInert(visible(s))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, '@\u2060$1');
}

/** Text of ours (titles, labels of fields) in mrkdwn: escaped, but free to format. */
export function slackOwnText(s: string): string {
  return visible(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An untrusted value shown verbatim in Slack: a code span, which Slack neither formats nor links. */
export function slackCode(s: string): string {
  if (s === '') return '` `';
  return `\`${slackOwnText(s.replace(/`/g, 'ˋ')).replace(/@(channel|here|everyone)\b/gi, '@\u2060$1')}\``;
}

export function html(s: string): string {
  return visible(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A mail header value: one line, no control characters. */
export function headerText(s: string, max: number): string {
  return fit(s, max, visible);
}
