// @ts-check
/**
 * A shop visit, its own short form: which shop (or a new one), talked to the owner,
 * interested, next visit. Saved as a short session on the venue (channel shop_visit), a
 * "conversation" tally when the owner was met, and the venue's last and next visit.
 */
import { formatDay, t } from '../../app/i18n.js';
import { h, notice, show } from '../../app/ui/dom.js';
import { baseOf, newId } from '../../sync/index.js';
import { flashBox, titled } from '../ui/common.js';
import { chips, selectField, textField } from '../ui/forms.js';
import { brusselsDay } from '../ui/time.js';

const NEW = 'new';

/** @param {HTMLElement} main @param {import('../app.js').Ctx} ctx */
export async function renderVisit(main, ctx) {
  const venues = await ctx.data.venues();
  if (!ctx.isCurrent()) return;
  const today = brusselsDay(0);
  const shop = selectField({
    name: 'venue',
    label: t('Shop'),
    options: [
      ...venues.map((v) => ({
        value: v.id,
        label: [
          v.name,
          v.commune,
          v.next_visit_on && v.next_visit_on <= today ? t('visit due') : null,
        ]
          .filter(Boolean)
          .join(' · '),
      })),
      { value: NEW, label: t('A new shop…') },
    ],
    value: ctx.query.get('venue') || (venues.length ? venues[0].id : NEW),
    onchange: () => toggleNew(),
  });
  const name = textField({ name: 'name', label: t('Name of the shop'), maxlength: 100 });
  const kind = textField({ name: 'kind', label: t('Kind of shop (grocery, hairdresser …)'), maxlength: 40 });
  const commune = textField({ name: 'commune', label: t('Commune'), maxlength: 80 });
  const newShop = h('div', { class: 'stack new-shop' }, name.field, kind.field, commune.field);
  const talked = chips({
    name: 'talked',
    legend: t('Talked to the owner?'),
    options: [
      { value: 'yes', label: t('Yes') },
      { value: 'no', label: t('No') },
    ],
  });
  const interested = chips({
    name: 'interested',
    legend: t('Interested?'),
    options: [
      { value: 'yes', label: t('Yes') },
      { value: 'maybe', label: t('Maybe') },
      { value: 'no', label: t('No') },
    ],
  });
  const next = chips({
    name: 'next',
    legend: t('Next visit'),
    options: [
      { value: '7', label: t('In a week') },
      { value: '14', label: t('In two weeks') },
      { value: '30', label: t('In a month') },
      { value: '', label: t('None planned') },
    ],
    value: '14',
  });
  const note = textField({ name: 'notes', label: t('Note (optional)'), multiline: true, maxlength: 1500 });
  const problems = h('div', { class: 'form-problems' });
  const save = h('button', { type: 'submit', class: 'button-primary button-wide' }, t('Save the visit'));
  show(
    main,
    h(
      'div',
      { class: 'screen' },
      h('h1', { tabindex: -1 }, t('Shop visit')),
      flashBox(ctx.flash),
      h(
        'form',
        { class: 'stack panel', novalidate: true, onsubmit: onSubmit },
        shop.field,
        newShop,
        talked.field,
        interested.field,
        next.field,
        note.field,
        problems,
        save,
      ),
    ),
  );
  titled(t('Shop visit'));
  toggleNew();

  function toggleNew() {
    newShop.hidden = shop.select.value !== NEW;
  }

  /** @param {Event} event */
  async function onSubmit(event) {
    event.preventDefault();
    const isNew = shop.select.value === NEW;
    const shopName = name.input.value.trim();
    if (isNew && !shopName) {
      show(problems, notice(t('Write the name of the shop.')));
      name.input.focus();
      return;
    }
    if (!talked.value()) {
      show(problems, notice(t('Say whether you talked to the owner.')));
      talked.focus();
      return;
    }
    save.setAttribute('disabled', '');
    const now = new Date().toISOString();
    const days = next.value();
    const nextOn = days ? brusselsDay(Number(days)) : null;
    const venueId = isNew ? newId() : shop.select.value;
    const venue = isNew ? null : venues.find((v) => v.id === venueId);
    if (isNew) {
      await ctx.mutate('venue.create', {
        id: venueId,
        fields: {
          name: shopName,
          kind: kind.input.value.trim() || null,
          commune: commune.input.value.trim() || null,
          last_visit_at: now,
          next_visit_on: nextOn,
        },
      });
    } else {
      await ctx.mutate('venue.patch', {
        id: venueId,
        set: { last_visit_at: now, next_visit_on: nextOn },
        base: baseOf(venue, ['last_visit_at', 'next_visit_on']),
      });
    }
    const sessionId = newId();
    const interest = interested.value();
    const lines = [
      `${t('Talked to the owner?')} ${talked.value() === 'yes' ? t('Yes') : t('No')}`,
      interest ? `${t('Interested?')} ${{ yes: t('Yes'), maybe: t('Maybe'), no: t('No') }[interest]}` : null,
      note.input.value.trim() || null,
    ];
    await ctx.mutate('session.create', {
      id: sessionId,
      fields: {
        channel: 'shop_visit',
        venue_id: venueId,
        title: isNew ? shopName : venue?.name ?? null,
        commune: (isNew ? commune.input.value.trim() : venue?.commune) || null,
        started_at: now,
        ended_at: now,
        notes: lines.filter(Boolean).join('\n'),
      },
    });
    if (talked.value() === 'yes') {
      await ctx.mutate('tally.add', {
        id: newId(),
        session_id: sessionId,
        kind: 'conversations',
        delta: 1,
        occurred_at: now,
      });
    }
    done(main, ctx, { venueId, sessionId, interest, nextOn, shopName: isNew ? shopName : venue?.name });
  }
}

/**
 * @param {HTMLElement} main
 * @param {import('../app.js').Ctx} ctx
 * @param {{venueId: string, sessionId: string, interest: string | null, nextOn: string | null,
 *   shopName: string}} visit
 */
function done(main, ctx, visit) {
  const leadHref = `#/leads/new?venue=${visit.venueId}&session=${visit.sessionId}&channel=shop_visit`;
  show(
    main,
    h(
      'div',
      { class: 'screen' },
      h('h1', { tabindex: -1 }, t('Visit saved')),
      h(
        'p',
        { class: 'notice notice-info', role: 'status' },
        visit.nextOn
          ? t('{shop}: next visit on {date}.', { shop: visit.shopName, date: formatDay(visit.nextOn) })
          : t('{shop}: no next visit planned.', { shop: visit.shopName }),
      ),
      visit.interest === 'yes' || visit.interest === 'maybe'
        ? h('a', { class: 'button button-primary button-wide', href: leadHref }, t('Record the owner as a lead'))
        : null,
      h('a', { class: 'button button-secondary button-wide', href: '#/visit' }, t('Another shop')),
      h('a', { class: 'button button-quiet button-wide', href: '#/today' }, t('Back to today')),
    ),
  );
  /** @type {HTMLElement | null} */ (main.querySelector('h1'))?.focus();
  ctx.data.watch(null);
}
