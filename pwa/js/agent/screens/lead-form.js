// @ts-check
/**
 * The full lead form: every field of a lead (product.md). A new lead also records the
 * person's consent and, only after its own explicit consent step, the optional target-group
 * markers (migrant background behind a second, explicit consent: GDPR Art. 9). Possible
 * duplicates (same normalised phone among the phone's leads) are shown before saving.
 */
import { formatDateTime, t } from '../../app/i18n.js';
import { h, notice, show } from '../../app/ui/dom.js';
import { channelLabel, languageName, needLabel, stageLabel } from '../../app/vocab.js';
import { baseOf, newId } from '../../sync/index.js';
import { consentRecord, statement } from '../consent.js';
import { markerFields } from '../markers.js';
import { normalisePhone } from '../phone.js';
import { fieldLabel, fixable, reasonText, refusedFields } from '../reasons.js';
import { leadName, statusBadge, titled } from '../ui/common.js';
import { checkbox, chips, selectField, textField } from '../ui/forms.js';
import { LEAD_CHANNELS, LEAD_LANGUAGES, NEEDS, STAGES } from '../vocab.js';

/** The reference a refusal code is about (api/references.py). @type {Record<string, string>} */
const REFUSED_REFERENCE = { unknown_session: 'session_id', unknown_venue: 'venue_id', unknown_partner: 'partner_id' };
const TEXT_FIELDS = ['first_name', 'last_name', 'email', 'commune', 'postcode', 'project_idea', 'sector', 'campaign'];

/** @param {HTMLElement} main @param {import('../app.js').Ctx} ctx */
export async function renderNewLead(main, ctx) {
  await leadForm(main, ctx, null);
}

/** @param {HTMLElement} main @param {import('../app.js').Ctx} ctx @param {string} id */
export async function renderEditLead(main, ctx, id) {
  const lead = await ctx.data.get('lead', id);
  if (!ctx.isCurrent()) return;
  if (!lead) {
    show(main, h('h1', { tabindex: -1 }, t('Lead')), h('p', null, t('This lead is not on this phone (any more).')));
    return;
  }
  await leadForm(main, ctx, lead);
}

/**
 * "Fix this" (#/fix/<seq>): the form of a change the server refused, filled with what was
 * sent, the reason on top and the refused fields marked. Saving sends the corrected change
 * (a refused new lead again under its own id, with the consent recorded at the time) and
 * closes the refusal; "Discard" closes it after a confirmation.
 * @param {HTMLElement} main @param {import('../app.js').Ctx} ctx @param {string} seq
 */
export async function renderFix(main, ctx, seq) {
  const notes = await ctx.session.store.attention();
  const note = notes.find((n) => n.kind === 'rejected' && n.seq === Number(seq));
  const lead = note?.name === 'lead.patch' ? await ctx.data.get('lead', note.id) : null;
  if (!ctx.isCurrent()) return;
  if (!note || !fixable(note) || (note.name === 'lead.patch' && !lead)) {
    show(
      main,
      h('a', { class: 'back-link', href: '#/outbox' }, t('Back')),
      h('h1', { tabindex: -1 }, t('Fix the refused change')),
      h('p', null, t('This change can no longer be fixed here. The outbox shows what is left.')),
    );
    titled(t('Fix the refused change'));
    return;
  }
  const values = note.name === 'lead.patch' ? note.data.set : note.data.fields;
  await leadForm(main, ctx, lead, { note, values });
}

/**
 * @param {HTMLElement} main
 * @param {import('../app.js').Ctx} ctx
 * @param {any | null} lead  null: a new lead
 * @param {{note: any, values: Record<string, any>} | null} [fix]  a refused change to correct
 */
async function leadForm(main, ctx, lead, fix = null) {
  const isNew = !lead;
  const q = ctx.query;
  const current = isNew && !fix ? await ctx.data.currentSession() : null;
  const defaults = {
    channel: q.get('channel') || current?.channel || 'other',
    language: 'fr',
    commune: current?.commune ?? null,
    needs: [],
  };
  const v = { ...(lead ?? defaults), ...(fix?.values ?? {}) };
  const selfId = lead?.id ?? fix?.note.id ?? null;
  const first = textField({ name: 'first_name', label: t('First name'), value: v.first_name, required: true, maxlength: 100 });
  const last = textField({ name: 'last_name', label: t('Last name (optional)'), value: v.last_name, maxlength: 100 });
  const phone = textField({ name: 'phone', label: t('Phone'), type: 'tel', inputmode: 'tel', value: v.phone, maxlength: 30 });
  const email = textField({ name: 'email', label: t('E-mail address'), type: 'email', inputmode: 'email', value: v.email, maxlength: 254 });
  const language = selectField({
    name: 'language',
    label: t('Language'),
    options: LEAD_LANGUAGES.map((c) => ({ value: c, label: languageName(c) })),
    value: v.language,
    onchange: () => updateStatements(),
  });
  const commune = textField({ name: 'commune', label: t('Commune'), value: v.commune, maxlength: 80 });
  const postcode = textField({ name: 'postcode', label: t('Postcode'), value: v.postcode, inputmode: 'numeric', maxlength: 4 });
  const idea = textField({ name: 'project_idea', label: t('Project idea'), value: v.project_idea, multiline: true, maxlength: 2000 });
  const sector = textField({ name: 'sector', label: t('Sector'), value: v.sector, maxlength: 80 });
  const stage = chips({
    name: 'project_stage',
    legend: t('Stage of the project'),
    options: STAGES.map((s) => ({ value: s, label: stageLabel(s) })),
    value: v.project_stage,
    compact: true,
  });
  const needs = chips({
    name: 'needs',
    legend: t('Needs'),
    options: NEEDS.map((n) => ({ value: n, label: needLabel(n) })),
    value: v.needs || [],
    multiple: true,
    compact: true,
  });
  const channel = selectField({
    name: 'channel',
    label: t('How did you meet?'),
    options: LEAD_CHANNELS.map((c) => ({ value: c, label: channelLabel(c) })),
    value: v.channel,
  });
  const campaign = textField({ name: 'campaign', label: t('Campaign (optional)'), value: v.campaign, maxlength: 80 });

  // Consent (new leads only): contact is required; markers come after their own step.
  const contactText = h('p', { class: 'consent-text' });
  const contact = checkbox({ name: 'consent-contact', label: t('The person agrees to be contacted (read them the text below)') });
  const markersText = h('p', { class: 'consent-text' });
  const sensitiveText = h('p', { class: 'consent-text' });
  const markers = markerFields();
  const sensitive = checkbox({
    name: 'consent-sensitive',
    label: t('The person also explicitly agrees to say whether they have a migrant background'),
    onchange: () => {
      markers.sensitive.hidden = !sensitive.input.checked;
    },
  });
  const markersStep = h(
    'div',
    { class: 'stack', hidden: true },
    markersText,
    markers.field,
    sensitive.field,
    sensitiveText,
    markers.sensitive,
  );
  const askMarkers = checkbox({
    name: 'consent-markers',
    label: t('The person agrees to answer questions about their situation (optional)'),
    hint: t('Only if they want to: each question can be answered “prefer not to say”.'),
    onchange: () => {
      markersStep.hidden = !askMarkers.input.checked;
    },
  });
  markers.sensitive.hidden = true;

  const problems = h('div', { class: 'form-problems' });
  const duplicates = h('div', { class: 'duplicates' });
  const save = h('button', { type: 'submit', class: 'button-primary button-wide' }, isNew ? t('Save the lead') : t('Save the changes'));
  let confirmedDuplicate = '';
  const form = h(
    'form',
    { class: 'stack', novalidate: true, onsubmit: onSubmit },
    h('fieldset', { class: 'panel stack' }, h('legend', null, t('The person')), first.field, last.field, phone.field, email.field, language.field, commune.field, postcode.field),
    h('fieldset', { class: 'panel stack' }, h('legend', null, t('The project')), idea.field, sector.field, stage.field, needs.field),
    h('fieldset', { class: 'panel stack' }, h('legend', null, t('How you met')), channel.field, campaign.field),
    isNew && fix
      ? h(
          'div',
          { class: 'panel' },
          h('h2', null, t('Consent')),
          h(
            'p',
            null,
            t('The consent recorded on {date} goes with the corrected lead.', {
              date: fix.values.consent?.given_at ? formatDateTime(fix.values.consent.given_at) : '—',
            }),
          ),
        )
      : isNew
        ? h(
            'fieldset',
            { class: 'panel stack' },
            h('legend', null, t('Consent')),
            contact.field,
            contactText,
            askMarkers.field,
            markersStep,
          )
        : null,
    problems,
    duplicates,
    save,
    fix
      ? h(
          'button',
          {
            type: 'button',
            class: 'button-quiet button-wide',
            onclick: async () => {
              if (!confirm(t('Discard this change? What it held will not reach the server.'))) return;
              await ctx.session.store.dismiss(fix.note.seq);
              ctx.go('#/outbox', t('Change discarded.'));
            },
          },
          t('Discard this change'),
        )
      : null,
  );
  /** @type {Record<string, HTMLElement>} */
  const inputs = {
    first_name: first.input,
    last_name: last.input,
    phone: phone.input,
    email: email.input,
    language: language.select,
    commune: commune.input,
    postcode: postcode.input,
    project_idea: idea.input,
    sector: sector.input,
    channel: channel.select,
    campaign: campaign.input,
  };
  const refused = fix ? refusedFields(fix.note.detail) : [];
  const refusedLabels = refused.map(fieldLabel).filter(Boolean);
  for (const name of refused) inputs[name]?.setAttribute('aria-invalid', 'true');
  const title = fix ? t('Fix the refused change') : isNew ? t('New lead') : t('Edit {name}', { name: leadName(lead) });
  show(
    main,
    h(
      'div',
      { class: 'screen' },
      h('a', { class: 'back-link', href: fix ? '#/outbox' : isNew ? '#/leads' : `#/leads/${lead.id}` }, t('Back')),
      h('h1', { tabindex: -1 }, title),
      fix
        ? h(
            'div',
            { class: 'notice notice-error fix-reason', role: 'status' },
            h('p', null, reasonText(fix.note.code)),
            refusedLabels.length
              ? h('p', null, t('Check: {fields}.', { fields: refusedLabels.join(', ') }))
              : null,
            h('p', null, t('The form holds what was sent. Correct it and save to send it again.')),
          )
        : null,
      form,
    ),
  );
  titled(fix ? t('Fix the refused change') : isNew ? t('New lead') : leadName(lead));
  if (isNew && !fix) updateStatements();

  async function updateStatements() {
    if (!isNew || fix) return;
    const lang = language.select.value;
    for (const [el, purpose] of /** @type {const} */ ([
      [contactText, 'contact'],
      [markersText, 'markers'],
      [sensitiveText, 'sensitive_markers'],
    ])) {
      el.textContent = await statement(purpose, lang);
      el.setAttribute('lang', lang);
      el.setAttribute('dir', lang === 'ar' ? 'rtl' : 'ltr');
    }
  }

  /** @returns {Record<string, any>} */
  function values() {
    /** @type {Record<string, any>} */
    const out = {};
    const text = { first_name: first, last_name: last, email, commune, postcode, project_idea: idea, sector, campaign };
    for (const name of TEXT_FIELDS) {
      out[name] = /** @type {any} */ (text)[name].input.value.trim() || null;
    }
    out.phone = phone.input.value.trim() ? normalisePhone(phone.input.value) : null;
    out.language = language.select.value;
    out.project_stage = stage.value();
    out.needs = needs.values();
    out.channel = channel.select.value;
    return out;
  }

  /** @param {string} message @param {HTMLElement} field */
  function problem(message, field) {
    show(problems, notice(message));
    field.focus();
  }

  /** @param {Event} event */
  async function onSubmit(event) {
    event.preventDefault();
    problems.replaceChildren();
    const fields = values();
    if (!fields.first_name) return problem(t('Write the first name.'), first.input);
    if (phone.input.value.trim() && !fields.phone) return problem(t('This is not a valid phone number.'), phone.input);
    if (fields.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(fields.email)) {
      return problem(t('This is not a valid e-mail address.'), email.input);
    }
    if (!fields.phone && !fields.email) return problem(t('Give a phone number or an e-mail address.'), phone.input);
    if (fields.postcode && !/^[1-9][0-9]{3}$/.test(fields.postcode)) {
      return problem(t('A Belgian postcode has four digits.'), postcode.input);
    }
    if (isNew && !fix && !contact.input.checked) {
      return problem(t('Without the person’s agreement the lead cannot be saved.'), contact.input);
    }
    if (fields.phone && confirmedDuplicate !== fields.phone) {
      const same = (await ctx.data.list('lead')).filter((l) => l.phone === fields.phone && l.id !== selfId);
      if (same.length) return showDuplicates(same, fields.phone);
    }
    save.setAttribute('disabled', '');
    try {
      if (isNew) await create(fields);
      else await update(fields);
    } finally {
      save.removeAttribute('disabled');
    }
  }

  /** @param {Record<string, any>} fields */
  async function create(fields) {
    if (fix) {
      // The same id and everything the form does not show (consent, markers, session) but
      // a session, place or partner the server refused (deleted since, or never synced):
      // sent again, it would be refused again.
      const values = { ...fix.values, ...fields };
      const dropped = REFUSED_REFERENCE[fix.note.code ?? ''];
      if (dropped) values[dropped] = null;
      await ctx.mutate('lead.create', { id: fix.note.id, fields: values });
      await ctx.session.store.dismiss(fix.note.seq);
      ctx.go(`#/leads/${fix.note.id}`, t('Corrected; it will be sent again.'));
      return;
    }
    const id = newId();
    const purposes = /** @type {import('../consent.js').Purpose[]} */ (['contact']);
    /** @type {Record<string, string> | null} */
    let given = null;
    if (askMarkers.input.checked) {
      purposes.push('markers');
      given = markers.values(sensitive.input.checked);
      if (sensitive.input.checked) purposes.push('sensitive_markers');
    }
    const session = q.get('session') ? { id: q.get('session') } : current;
    await ctx.mutate('lead.create', {
      id,
      fields: {
        ...fields,
        session_id: session?.id ?? null,
        venue_id: q.get('venue') || current?.venue_id || null,
        partner_id: current?.partner_id ?? null,
        consent: await consentRecord(purposes, fields.language),
        ...(given ? { markers: given } : {}),
      },
    });
    ctx.go(`#/leads/${id}`, t('Lead saved: {name}.', { name: fields.first_name }));
  }

  /** @param {Record<string, any>} fields */
  async function update(fields) {
    const changed = Object.fromEntries(
      Object.entries(fields).filter(([k, value]) => JSON.stringify(value) !== JSON.stringify(lead[k] ?? (k === 'needs' ? [] : null))),
    );
    if (!Object.keys(changed).length) {
      if (fix) await ctx.session.store.dismiss(fix.note.seq);
      ctx.go(`#/leads/${lead.id}`, t('Nothing changed.'));
      return;
    }
    await ctx.mutate('lead.patch', { id: lead.id, set: changed, base: baseOf(lead, Object.keys(changed)) });
    if (fix) await ctx.session.store.dismiss(fix.note.seq);
    ctx.go(`#/leads/${lead.id}`, fix ? t('Corrected; it will be sent again.') : t('Changes saved.'));
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
          same.map((l) => h('li', null, h('a', { href: `#/leads/${l.id}` }, leadName(l)), ' ', statusBadge(l.status || 'new'))),
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
    duplicates.querySelector('a')?.focus();
  }
}
