// @ts-check
/**
 * Phone numbers as agents type them, in the E.164 form the server stores (api/fields.py
 * does the same for these shapes, and judges validity): "0470 12 34 56", "+32 470…",
 * "0032 470…". Used to find possible duplicates among the phone's leads before saving.
 */

/** @param {string} typed @returns {string | null} E.164, or null when it cannot be a number */
export function normalisePhone(typed) {
  const digits = typed.replace(/[\s./()-]/g, '');
  let international;
  if (digits.startsWith('+')) international = digits.slice(1);
  else if (digits.startsWith('00')) international = digits.slice(2);
  else if (digits.startsWith('0')) international = `32${digits.slice(1)}`;
  else return null;
  if (!/^[1-9][0-9]{7,14}$/.test(international)) return null;
  return `+${international}`;
}
