// @ts-check
// The self-intake form, enhanced. Without this script the form is a plain HTML POST that
// works; with it: one question per screen on small screens with progress, answers sent
// with fetch, and held on the phone (localStorage) when the network drops, then sent once
// when it returns (the form's client token makes a resend harmless). Texts come from the
// page (data-texts, in its language); user text is only ever set with textContent/value.

const OUTBOX = 'terrain-intake-outbox';
const SMALL = '(max-width: 40rem)';
const RETRY_MS = 15000;

/** @typedef {{action: string, body: string, at: number}} Held */

const formEl = /** @type {HTMLFormElement | null} */ (document.querySelector('form.intake'));
if (formEl) enhance(formEl);

/** @param {HTMLFormElement} form */
function enhance(form) {
  /** @type {Record<string, any>} */
  const texts = JSON.parse(form.dataset.texts || '{}');
  const status = /** @type {HTMLElement} */ (form.querySelector('.status'));
  const steps = /** @type {HTMLElement[]} */ ([...form.querySelectorAll('[data-step]')]);
  let sending = false;
  let timer = 0;
  const stepper = makeStepper(form, steps, texts);

  // A page restored from the back/forward cache is a new form: it needs a new token.
  window.addEventListener('pageshow', (e) => {
    if (e.persisted) setToken(form, newToken());
  });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = new URLSearchParams(/** @type {any} */ (new FormData(form))).toString();
    send({ action: form.action, body, at: Date.now() });
  });

  window.addEventListener('online', () => retry());
  const held = readHeld();
  if (held && sameAction(held.action, form.action)) {
    restore(form, held.body);
    retry();
  }

  /** @param {Held} item */
  async function send(item) {
    if (sending) return;
    sending = true;
    status.textContent = texts.sending;
    /** @type {Response} */
    let response;
    try {
      response = await fetch(item.action, {
        method: 'POST',
        body: item.body,
        headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
        credentials: 'same-origin',
      });
    } catch {
      sending = false;
      hold(item);
      return;
    }
    sending = false;
    if (response.status >= 500 && response.status !== 503) {
      hold(item); // a proxy or a restart answered: the server does not have it yet
      return;
    }
    clearHeld();
    const data = await response.json().catch(() => ({}));
    if (response.ok && typeof data.thanks === 'string') {
      location.assign(data.thanks);
      return;
    }
    status.textContent = '';
    if (response.status === 422 && data.fields) {
      showErrors(form, data.fields, texts);
      stepper?.showFirstError();
    } else {
      status.textContent = data.detail || texts.errors.invalid;
    }
  }

  /** @param {Held} item */
  function hold(item) {
    localStorage.setItem(OUTBOX, JSON.stringify(item));
    status.textContent = texts.offline;
    clearInterval(timer);
    timer = window.setInterval(retry, RETRY_MS);
  }

  function retry() {
    const item = readHeld();
    if (item && sameAction(item.action, form.action)) send(item);
  }

  function clearHeld() {
    localStorage.removeItem(OUTBOX);
    clearInterval(timer);
  }
}

/** @returns {Held | null} */
function readHeld() {
  try {
    const item = JSON.parse(localStorage.getItem(OUTBOX) || 'null');
    return item && typeof item.body === 'string' ? item : null;
  } catch {
    return null;
  }
}

/** @param {string} a @param {string} b */
function sameAction(a, b) {
  return new URL(a, location.href).pathname === new URL(b, location.href).pathname;
}

function newToken() {
  return crypto.randomUUID ? crypto.randomUUID().replaceAll('-', '') : String(Date.now()) + Math.random();
}

/** @param {HTMLFormElement} form @param {string} token */
function setToken(form, token) {
  const input = /** @type {HTMLInputElement | null} */ (form.querySelector('input[name=token]'));
  if (input) input.value = token;
}

/** Put held answers back into the form (the page was reloaded while they waited).
 * @param {HTMLFormElement} form @param {string} body */
function restore(form, body) {
  const params = new URLSearchParams(body);
  for (const input of /** @type {NodeListOf<HTMLInputElement>} */ (form.querySelectorAll('input[type=radio], input[type=checkbox]'))) {
    input.checked = params.getAll(input.name).includes(input.value);
  }
  for (const [name, value] of params) {
    const field = form.querySelector(`[name="${CSS.escape(name)}"]:not([type=radio]):not([type=checkbox])`);
    if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) field.value = value;
  }
}

/** Errors beside each question and, for a whole form, summarised at the top, as the
 * server-rendered page has them (a single step's check needs no summary).
 * @param {HTMLFormElement} form @param {Record<string, string>} fields @param {Record<string, any>} texts */
function showErrors(form, fields, texts, summarise = true) {
  for (const old of form.querySelectorAll('.error, .summary')) old.remove();
  for (const bad of form.querySelectorAll('[aria-invalid]')) bad.removeAttribute('aria-invalid');
  const summary = document.createElement('div');
  summary.className = 'summary';
  summary.setAttribute('role', 'alert');
  summary.tabIndex = -1;
  const title = document.createElement('h2');
  title.textContent = texts.errors_title;
  const list = document.createElement('ul');
  summary.append(title, list);
  for (const [name, message] of Object.entries(fields)) {
    const block = form.querySelector(`#q-${CSS.escape(name)}`);
    if (!block) continue;
    const error = document.createElement('p');
    error.className = 'error';
    error.id = `e-${name}`;
    error.textContent = message;
    const anchor = block.querySelector('.hint') || block.querySelector('legend, .label');
    (anchor || block.firstChild)?.after(error);
    const input = block.querySelector('input, textarea');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', `e-${name}`);
    }
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = `#${input ? input.id : block.id}`;
    const label = block.querySelector('legend, .label');
    link.textContent = `${label ? label.firstChild?.textContent?.trim() : name} — ${message}`;
    item.append(link);
    list.append(item);
  }
  if (summarise) {
    form.prepend(summary);
    summary.focus();
  } else {
    /** @type {HTMLElement | null} */ (form.querySelector('[aria-invalid=true]'))?.focus();
  }
}

/** One question per screen on small screens: Back / Next and "Question n of total".
 * @param {HTMLFormElement} form @param {HTMLElement[]} steps @param {Record<string, any>} texts */
function makeStepper(form, steps, texts) {
  if (!window.matchMedia(SMALL).matches || steps.length < 2) return null;
  let index = 0;
  const progress = document.createElement('div');
  progress.className = 'progress';
  const label = document.createElement('p');
  label.id = 'step-label';
  label.setAttribute('aria-live', 'polite');
  const bar = document.createElement('progress');
  bar.max = steps.length;
  bar.setAttribute('aria-labelledby', 'step-label');
  progress.append(label, bar);
  const nav = document.createElement('div');
  nav.className = 'stepnav';
  const back = button(texts.back, 'button secondary');
  const next = button(texts.next, 'button');
  nav.append(back, next);
  form.prepend(progress);
  form.append(nav);
  form.classList.add('stepped');

  back.addEventListener('click', () => go(index - 1));
  next.addEventListener('click', () => {
    if (checkStep(steps[index], form, texts)) go(index + 1);
  });

  /** @param {number} to */
  function go(to) {
    index = Math.max(0, Math.min(steps.length - 1, to));
    steps.forEach((step, i) => step.classList.toggle('current', i === index));
    label.textContent = texts.step.replace('{n}', String(index + 1)).replace('{total}', String(steps.length));
    bar.value = index + 1;
    back.hidden = index === 0;
    next.hidden = index === steps.length - 1;
    const first = /** @type {HTMLElement | null} */ (steps[index].querySelector('input:not([type=hidden]), textarea, button'));
    if (to !== 0 || document.activeElement !== document.body) first?.focus();
  }
  go(0);
  return {
    showFirstError() {
      const bad = steps.findIndex((step) => step.querySelector('.error'));
      if (bad >= 0) go(bad);
    },
  };
}

/** @param {string} text @param {string} className */
function button(text, className) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = text;
  return b;
}

/** The only checks made before the server's: a required answer, a way to reach the person.
 * @param {HTMLElement} step @param {HTMLFormElement} form @param {Record<string, any>} texts */
function checkStep(step, form, texts) {
  /** @type {Record<string, string>} */
  const fields = {};
  for (const input of /** @type {NodeListOf<HTMLInputElement>} */ (step.querySelectorAll('[aria-required=true]'))) {
    if (input.type !== 'checkbox' && !input.value.trim()) fields[input.name] = texts.errors.required;
  }
  if (step.id === 'q-email') {
    const phone = /** @type {HTMLInputElement} */ (form.elements.namedItem('phone'));
    const email = /** @type {HTMLInputElement} */ (form.elements.namedItem('email'));
    if (!phone.value.trim() && !email.value.trim()) fields.email = texts.errors.contact_required;
  }
  if (Object.keys(fields).length === 0) {
    for (const old of step.querySelectorAll('.error')) old.remove();
    return true;
  }
  showErrors(form, fields, texts, false);
  return false;
}
