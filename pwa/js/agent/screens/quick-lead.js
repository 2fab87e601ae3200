// @ts-check
/**
 * Quick lead, inside stand mode: first name, phone, language, interest, consent — after
 * typing, three taps (interest, consent, save). The language starts at the last one used.
 * A possible duplicate (same normalised phone among the phone's leads) is shown first.
 */
import { t } from '../../app/i18n.js';
import { announce, h, notice, show } from '../../app/ui/dom.js';
import { languageName, needLabel } from '../../app/vocab.js';
import { newId } from '../../sync/index.js';
import { consentRecord, statement } from '../consent.js';
import { normalisePhone } from '../phone.js';
import { leadName, statusBadge } from '../ui/common.js';
import { checkbox, chips, textField } from '../ui/forms.js';
import { LEAD_LANGUAGES, NEEDS } from '../vocab.js';

let lastLanguage = '';

/**
 * @param {import('../app.js').Ctx} ctx
 * @param {any} session  the outreach session in progress
 * @param {(lead: {id: string, first_name: string}) => void} onSaved
 */
export function quickLeadForm(ctx, session, onSaved) {
  const first = textField({ name: 'first_name', label: t('First name'), autocomplete: 'off', maxlength: 100 });
  first.input.setAttribute('autocapitalize', 'words');
  const phone = textField({
    name: 'phone',
    label: t('Phone'),
    type: 'tel',
    inputmode: 'tel',
    autocomplete: 'off',
    maxlength: 30,
  });
  const language = chips({
    name: 'quick-language',
    legend: t('Language'),
    options: LEAD_LANGUAGES.map((code) => ({ value: code, label: languageName(code), lang: code })),
    value: lastLanguage || ctx.me.language || 'fr',
    compact: true,
    onchange: () => updateStatement(),
  });
  const interest = chips({
    name: 'quick-needs',
    legend: t('Interested in'),
    options: NEEDS.map((n) => ({ value: n, label: needLabel(n) })),
    multiple: true,
  });
  const consentText = h('p', { class: 'consent-text' });
  const consent = checkbox({
    name: 'consent',
    label: t('The person agrees to be contacted (read them the text below)'),
  });
  const problems = h('div', { class: 'form-problems' });
  const duplicates = h('div', { class: 'duplicates' });
  const save = h('button', { type: 'submit', class: 'button-primary button-wide' }, t('Save the lead'));
  let confirmedDuplicate = '';
  const form = h(
    'form',
    { class: 'stack quick-lead', novalidate: true, onsubmit: onSubmit },
    first.field,
    phone.field,
    language.field,
    interest.field,
    consent.field,
    consentText,
    problems,
    duplicates,
    save,
  );
  updateStatement();
  return form;

  async function updateStatement() {
    const lang = language.value() || 'fr';
    const text = await statement('contact', lang);
    consentText.textContent = text;
    consentText.setAttribute('lang', lang);
    consentText.setAttribute('dir', lang === 'ar' ? 'rtl' : 'ltr');
  }

  /** @param {Event} event */
  async function onSubmit(event) {
    event.preventDefault();
    const started = performance.now();
    problems.replaceChildren();
    const name = first.input.value.trim();
    const number = normalisePhone(phone.input.value);
    if (!name) return problem(t('Write the first name.'), first.input);
    if (!number) {
      return problem(
        phone.input.value.trim() ? t('This is not a valid phone number.') : t('Write the phone number.'),
        phone.input,
      );
    }
    if (!consent.input.checked) {
      return problem(t('Without the person’s agreement the lead cannot be saved.'), consent.input);
    }
    const lang = language.value() || 'fr';
    if (confirmedDuplicate !== number) {
      const same = (await ctx.data.list('lead')).filter((l) => l.phone === number);
      if (same.length) {
        showDuplicates(same, number);
        return;
      }
    }
    save.setAttribute('disabled', '');
    const id = newId();
    try {
      await ctx.mutate('lead.create', {
        id,
        fields: {
          first_name: name,
          phone: number,
          language: lang,
          needs: interest.values(),
          channel: session.channel,
          session_id: session.id,
          venue_id: session.venue_id ?? null,
          partner_id: session.partner_id ?? null,
          commune: session.commune ?? null,
          consent: await consentRecord(['contact'], lang),
        },
      });
    } finally {
      save.removeAttribute('disabled');
    }
    performance.measure('quick-lead-saved', { start: started });
    lastLanguage = lang;
    first.input.value = '';
    phone.input.value = '';
    interest.set([]);
    consent.input.checked = false;
    duplicates.replaceChildren();
    confirmedDuplicate = '';
    announce(t('Lead saved: {name}.', { name }));
    onSaved({ id, first_name: name });
    first.input.focus();
  }

  /** @param {string} message @param {HTMLElement} field */
  function problem(message, field) {
    show(problems, notice(message));
    field.focus();
  }

  /** @param {any[]} same @param {string} number */
  function showDuplicates(same, number) {
    show(
      duplicates,
      h(
        'div',
        { class: 'notice notice-warning', role: 'alert' },
        h('p', null, t('This phone number is already on this phone:')),
        h(
          'ul',
          { class: 'plain-list' },
          same.map((lead) =>
            h('li', null, h('a', { href: `#/leads/${lead.id}` }, leadName(lead)), ' ', statusBadge(lead.status || 'new')),
          ),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'button-secondary',
            onclick: () => {
              confirmedDuplicate = number;
              form.requestSubmit();
            },
          },
          t('It is someone else: save anyway'),
        ),
      ),
    );
  }
}
