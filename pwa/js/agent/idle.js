// @ts-check
/** Lock after a stretch without a touch, a key or a scroll (privacy-security.md: 15 min). */

const EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'scroll'];
const CHECK_MS = 5000;

/**
 * @param {number} minutes
 * @param {() => void} onIdle  called once
 * @returns {() => void} stop watching
 */
export function watchIdle(minutes, onIdle) {
  let last = Date.now();
  const limit = minutes * 60_000;
  const touch = () => {
    last = Date.now();
  };
  const check = () => {
    if (Date.now() - last >= limit) {
      stop();
      onIdle();
    }
  };
  for (const name of EVENTS) addEventListener(name, touch, { passive: true, capture: true });
  // A phone in a pocket freezes timers: check again as soon as the page is seen.
  document.addEventListener('visibilitychange', check);
  const timer = setInterval(check, CHECK_MS);
  function stop() {
    clearInterval(timer);
    document.removeEventListener('visibilitychange', check);
    for (const name of EVENTS) removeEventListener(name, touch, { capture: true });
  }
  return stop;
}
