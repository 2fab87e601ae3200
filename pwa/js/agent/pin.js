// @ts-check
/** PIN rules: 6 to 12 digits, not one digit repeated, not a run such as 123456. */

export const PIN_MIN = 6;
export const PIN_MAX = 12;
export const MAX_FAILURES = 5;

/** @param {string} pin @returns {'short' | 'digits' | 'simple' | null} what is wrong */
export function pinProblem(pin) {
  if (!/^[0-9]*$/.test(pin)) return 'digits';
  if (pin.length < PIN_MIN || pin.length > PIN_MAX) return 'short';
  const steps = new Set();
  for (let i = 1; i < pin.length; i++) steps.add((Number(pin[i]) - Number(pin[i - 1]) + 10) % 10);
  // One repeated digit (step 0) or a run up or down (step 1 or 9).
  if (steps.size === 1 && [0, 1, 9].includes([...steps][0])) return 'simple';
  return null;
}
