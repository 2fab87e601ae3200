// @ts-check
/**
 * Building the DOM from elements and text nodes, never from HTML strings: every string
 * becomes a text node, so a name such as `<img src=x onerror=…>` shows as those characters
 * and never runs (house style rule 8).
 */

/** @typedef {Node | string | number | null | undefined | false} Child */

/**
 * `h('p', {class: 'x'}, 'text', otherNode)`. Props starting with "on" add listeners;
 * `value` is set after the children (so a <select> can pick one of its options); `true`
 * makes an empty boolean attribute; null, undefined and false leave the attribute out.
 * @param {string} tag
 * @param {Record<string, any> | null} [props]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElement}
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false || name === 'value') continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  if (props && props.value !== undefined && props.value !== null) {
    /** @type {HTMLInputElement} */ (el).value = String(props.value);
  }
  return el;
}

/**
 * @param {Node} parent
 * @param {(Child | Child[])[]} children
 */
function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replace what `parent` shows. @param {Element} parent @param {...(Child | Child[])} children */
export function show(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

/**
 * Say `message` to screen readers (the page keeps a polite live region).
 * @param {string} message
 */
export function announce(message) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A new text node after a tick, so the same message twice is read twice.
  setTimeout(() => {
    region.textContent = message;
  }, 50);
}

/**
 * A visible message box: role=alert for problems, role=status otherwise.
 * @param {string} message
 * @param {'error' | 'info'} [kind]
 */
export function notice(message, kind = 'error') {
  return h(
    'p',
    { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    message,
  );
}

let counter = 0;

/** A fresh element id, to tie a label or a description to its field. @param {string} prefix */
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}
