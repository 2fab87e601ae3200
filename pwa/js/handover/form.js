// @ts-check
/**
 * Hand-over mode: the prospect fills the self-intake form on the agent's phone, in their
 * own language, one question per screen. The questions and texts are the public form's
 * (GET /api/intake/form/{lang}, contract A, cached by the service worker); the answers
 * become a lead.create in the local store, attributed to this agent (the server sets it
 * from the device) and to the session in progress. At the end the phone goes back to the
 * agent behind the PIN: the prospect never sees the agent's data.
 */
import { catalogOf, tIn } from '../app/i18n.js';
import { h, show } from '../app/ui/dom.js';
import { newId } from '../sync/index.js';
import { normalisePhone } from '../agent/phone.js';

/** @typedef {import('../agent/app.js').Ctx} Ctx */
/**
 * @typedef {{name: string, kind: string, required: boolean, label: string, hint: string | null,
 *   autocomplete: string | null, max_length?: number | null,
 *   options: {value: string, label: string, icon: string | null}[]}} Question
 */

/** Load the form definition (from the worker's cache when offline). @param {string} lang */
export async function loadForm(lang) {
  const response = await fetch(`/api/intake/form/${lang}`, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(String(response.status));
  return response.json();
}

/**
 * @param {HTMLElement} main
 * @param {Ctx} ctx
 * @param {string} lang
 */
export async function renderHandover(main, ctx, lang) {
  const catalog = await catalogOf(lang);
  const root = document.documentElement;
  /** @type {any} */
  let form;
  try {
    form = await loadForm(lang);
  } catch {
    root.lang = lang;
    show(
      main,
      h(
        'section',
        { class: 'handover', lang },
        // i18n: public
        h('h1', { tabindex: -1 }, tIn(catalog, 'The form is not on this phone yet')),
        // i18n: public
        h('p', null, tIn(catalog, 'Connect to the internet once to download it, then try again.')),
        giveBack(ctx, catalog),
      ),
    );
    return;
  }
  if (!ctx.isCurrent()) return;
  root.lang = form.lang;
  root.dir = form.dir;
  const texts = form.texts;
  const current = await ctx.data.currentSession();
  // The language question starts at the language the agent picked for the person.
  /** @type {Record<string, any>} */
  const answers = { language: form.lang };
  /** @type {Record<string, any>} */
  const markerAnswers = {};
  const consents = new Set();
  let markersWanted = false;

  /** @type {(() => HTMLElement)[]} */
  const steps = [
    intro,
    ...form.questions.map((/** @type {Question} */ q) => () => questionStep(q, answers)),
    consentStep,
  ];
  let at = 0;
  draw();

  function draw() {
    const total = steps.length;
    const isMarkers = at >= total;
    const body = isMarkers ? markersStep() : steps[at]();
    const last = at === total - 1 || isMarkers;
    const problems = h('div', { class: 'form-problems', role: 'alert' });
    const next = h('button', { type: 'submit', class: 'button-primary' }, last ? texts.send : texts.next);
    show(
      main,
      h(
        'section',
        { class: 'handover', lang: form.lang, dir: form.dir },
        h(
          'p',
          { class: 'handover-step muted' },
          String(texts.step).replace('{n}', String(Math.min(at + 1, total))).replace('{total}', String(total)),
        ),
        h(
          'form',
          {
            class: 'stack',
            novalidate: true,
            onsubmit: async (/** @type {Event} */ e) => {
              e.preventDefault();
              const problem = check(body);
              if (problem) {
                show(problems, h('p', { class: 'notice notice-error' }, problem));
                /** @type {HTMLElement | null} */ (body.querySelector('input, textarea'))?.focus();
                return;
              }
              if (at === total - 1 && markersWanted && form.markers.length) {
                at = total;
                draw();
                return;
              }
              if (last) {
                next.setAttribute('disabled', '');
                await send();
                return;
              }
              at += 1;
              draw();
            },
          },
          body,
          problems,
          h(
            'div',
            { class: 'button-row handover-nav' },
            at > 0
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'button-secondary',
                    onclick: () => {
                      at = at >= total ? total - 1 : at - 1;
                      draw();
                    },
                  },
                  texts.back,
                )
              : null,
            next,
          ),
        ),
      ),
    );
    document.title = String(texts.title);
    /** @type {HTMLElement | null} */ (main.querySelector('h1, legend, label'))?.focus?.();
    const heading = /** @type {HTMLElement | null} */ (main.querySelector('h1'));
    if (heading) heading.focus();
  }

  function intro() {
    return h(
      'div',
      { class: 'stack' },
      h('h1', { tabindex: -1 }, texts.title),
      h('p', null, texts.intro),
      h(
        'details',
        { class: 'disclosure' },
        h('summary', null, texts.privacy_title),
        (Array.isArray(texts.privacy) ? texts.privacy : [texts.privacy]).map((/** @type {string} */ p) => h('p', null, p)),
      ),
    );
  }

  function consentStep() {
    return h(
      'fieldset',
      { class: 'stack' },
      h('legend', null, h('h1', { tabindex: -1 }, texts.consent_title || texts.privacy_title)),
      form.consents.map((/** @type {any} */ c) => tick(c.purpose, c.label, c.required)),
      form.markers.length
        ? h(
            'div',
            { class: 'check' },
            checkInput('markers-wanted', markersWanted, (on) => {
              markersWanted = on;
            }),
            h('label', { for: 'markers-wanted' }, form.markers_consent.label),
            h('p', { class: 'hint' }, form.markers_consent.explain),
          )
        : null,
    );
  }

  function markersStep() {
    return h(
      'div',
      { class: 'stack' },
      h('h1', { tabindex: -1 }, texts.markers_title || form.markers_consent.label),
      form.markers.map((/** @type {Question} */ q) => questionField(q, markerAnswers)),
    );
  }

  /**
   * @param {string} purpose @param {string} label @param {boolean} required
   */
  function tick(purpose, label, required) {
    const id = `consent-${purpose}`;
    return h(
      'div',
      { class: 'check' },
      checkInput(id, consents.has(purpose), (on) => (on ? consents.add(purpose) : consents.delete(purpose)), required),
      h('label', { for: id }, label, required ? ` (${texts.required})` : ''),
    );
  }

  /** @param {HTMLElement} body @returns {string | null} what to fix on this step */
  function check(body) {
    const errors = texts.errors || {};
    for (const input of body.querySelectorAll('[data-required]')) {
      const el = /** @type {HTMLInputElement} */ (input);
      const empty = el.type === 'checkbox' ? !el.checked : !el.value.trim();
      if (empty && el.type === 'checkbox') return errors.consent_required || errors.required;
      if (empty) return errors.required;
    }
    const group = body.querySelector('[data-required-group]');
    if (group && !group.querySelector('input:checked')) return errors.required;
    const tel = /** @type {HTMLInputElement | null} */ (body.querySelector('input[type=tel]'));
    if (tel && tel.value.trim() && !normalisePhone(tel.value)) return errors.invalid_phone;
    const mail = /** @type {HTMLInputElement | null} */ (body.querySelector('input[type=email]'));
    if (mail && mail.value.trim() && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(mail.value.trim())) return errors.invalid_email;
    if (at === steps.length - 1 && !answers.phone && !answers.email) return errors.contact_required;
    return null;
  }

  async function send() {
    const lead = { ...answers };
    if (lead.phone) lead.phone = normalisePhone(lead.phone);
    const purposes = [...consents];
    const markers = markersWanted && Object.keys(markerAnswers).length ? markerAnswers : null;
    if (markers) purposes.push(form.markers_consent.purpose);
    const id = newId();
    await ctx.mutate('lead.create', {
      id,
      fields: {
        ...lead,
        language: lead.language || form.lang,
        channel: current?.channel || 'self_intake',
        session_id: current?.id ?? null,
        venue_id: current?.venue_id ?? null,
        partner_id: current?.partner_id ?? null,
        consent: {
          purposes,
          text_version: form.consent.version,
          text_sha256: form.consent.sha256,
          language: form.lang,
          given_at: new Date().toISOString(),
          channel: 'self',
        },
        ...(markers ? { markers } : {}),
      },
    });
    show(
      main,
      h(
        'section',
        { class: 'handover handover-thanks', lang: form.lang, dir: form.dir },
        h('h1', { tabindex: -1 }, texts.thanks_title),
        h('p', null, texts.thanks_body),
        giveBack(ctx, catalog),
      ),
    );
    /** @type {HTMLElement} */ (main.querySelector('h1')).focus();
    // Left alone on the thanks screen, the phone locks by itself.
    setTimeout(() => ctx.isCurrent() && ctx.endHandover(), 60_000);
  }
}

/**
 * @param {Ctx} ctx
 * @param {import('../app/i18n.js').Catalog} catalog  the prospect's language
 */
function giveBack(ctx, catalog) {
  // i18n: public
  const label = tIn(catalog, 'Give the phone back to the agent');
  return h('button', { type: 'button', class: 'button-primary button-wide', onclick: () => ctx.endHandover() }, label);
}

/**
 * @param {string} id @param {boolean} checked @param {(on: boolean) => void} onChange
 * @param {boolean} [required]
 */
function checkInput(id, checked, onChange, required = false) {
  const input = /** @type {HTMLInputElement} */ (
    h('input', {
      id,
      type: 'checkbox',
      'data-required': required || null,
      'aria-required': required ? 'true' : null,
      onchange: () => onChange(input.checked),
    })
  );
  input.checked = checked;
  return input;
}

/** @param {Question} q @param {Record<string, any>} answers */
function questionStep(q, answers) {
  return h('div', { class: 'stack' }, questionField(q, answers, true));
}

/**
 * One question: a text field, or choices as big buttons with their icons.
 * @param {Question} q
 * @param {Record<string, any>} answers
 * @param {boolean} [asHeading]  the question is the screen's heading
 */
function questionField(q, answers, asHeading = false) {
  const id = `q-${q.name}`;
  if (q.kind === 'choice' || q.kind === 'multi') {
    const multiple = q.kind === 'multi';
    const chosen = new Set(multiple ? answers[q.name] || [] : answers[q.name] ? [answers[q.name]] : []);
    const legend = h('legend', null, asHeading ? h('h1', { tabindex: -1 }, q.label) : q.label);
    return h(
      'fieldset',
      { class: 'chips handover-choices', 'data-required-group': q.required || null },
      legend,
      q.hint ? h('p', { class: 'hint' }, q.hint) : null,
      h(
        'div',
        { class: 'chip-row' },
        q.options.map((o) => {
          const input = /** @type {HTMLInputElement} */ (
            h('input', {
              type: multiple ? 'checkbox' : 'radio',
              name: id,
              value: o.value,
              class: 'chip-input',
              onchange: () => {
                if (multiple) {
                  if (input.checked) chosen.add(o.value);
                  else chosen.delete(o.value);
                  answers[q.name] = [...chosen];
                } else {
                  answers[q.name] = o.value;
                }
              },
            })
          );
          input.checked = chosen.has(o.value);
          return h(
            'label',
            { class: 'chip chip-icon' },
            input,
            o.icon ? h('img', { src: o.icon, alt: '', width: 40, height: 40 }) : null,
            h('span', null, o.label),
          );
        }),
      ),
    );
  }
  const type = q.kind === 'tel' ? 'tel' : q.kind === 'email' ? 'email' : 'text';
  const input = /** @type {HTMLInputElement} */ (
    h(q.kind === 'textarea' ? 'textarea' : 'input', {
      id,
      name: q.name,
      type: q.kind === 'textarea' ? null : type,
      inputmode: q.kind === 'tel' ? 'tel' : q.kind === 'email' ? 'email' : null,
      autocomplete: q.autocomplete || 'off',
      maxlength: q.max_length || null,
      rows: q.kind === 'textarea' ? 4 : null,
      'data-required': q.required || null,
      'aria-required': q.required ? 'true' : null,
      'aria-describedby': q.hint ? `${id}-hint` : null,
      value: answers[q.name] ?? '',
      oninput: () => {
        answers[q.name] = input.value.trim() || undefined;
      },
    })
  );
  return h(
    'div',
    { class: 'field' },
    asHeading ? h('h1', { tabindex: -1 }, h('label', { for: id }, q.label)) : h('label', { for: id }, q.label),
    q.hint ? h('p', { id: `${id}-hint`, class: 'hint' }, q.hint) : null,
    input,
  );
}
