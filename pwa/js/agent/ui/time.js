// @ts-check
/** Times as agents read them: "3 h ago", "in 2 days", a Brussels calendar day. */
import { currentLanguage } from '../../app/i18n.js';

/** @param {number} seconds  how long ago (≥ 0) */
export function ago(seconds) {
  const rtf = new Intl.RelativeTimeFormat(`${currentLanguage()}-BE`, { numeric: 'auto' });
  if (seconds < 60) return rtf.format(0, 'second');
  if (seconds < 3600) return rtf.format(-Math.floor(seconds / 60), 'minute');
  if (seconds < 86400) return rtf.format(-Math.floor(seconds / 3600), 'hour');
  return rtf.format(-Math.floor(seconds / 86400), 'day');
}

/** "YYYY-MM-DD" in Brussels, `days` from today. @param {number} days */
export function brusselsDay(days) {
  const at = new Date(Date.now() + days * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels' }).format(at);
}

/** A time of day in Brussels ("10:42"). @param {string} iso */
export function clock(iso) {
  return new Intl.DateTimeFormat(`${currentLanguage()}-BE`, {
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/Brussels',
  }).format(new Date(iso));
}
