// @ts-check
/**
 * Administration without a terminal (#/office/admin/<tab>): users (create with a first
 * password to hand over, role, teams, language, disable), teams, devices (revoke, revoke
 * and wipe), partners and venues. Each form calls the existing admin API once.
 */
import { request } from '../app/api.js';
import { formatDateTime, t } from '../app/i18n.js';
import { languageName, roleLabel } from '../app/vocab.js';
import { h, show } from '../app/ui/dom.js';
import { dataTable, forgetLists, inputField, problem, selectField } from './common.js';

const TABS = /** @type {const} */ (['users', 'teams', 'devices', 'partners', 'venues']);
const TAB_LABELS = /** @type {Record<string, () => string>} */ ({
  users: () => t('Users'),
  teams: () => t('Teams'),
  devices: () => t('Devices'),
  partners: () => t('Partners'),
  venues: () => t('Venues'),
});
const STAFF_LANGUAGES = ['fr', 'nl', 'en'];

/**
 * @param {HTMLElement} main
 * @param {{me: {role: string}, isCurrent: () => boolean}} view
 * @param {string} tab
 */
export async function renderAdmin(main, view, tab) {
  const current = TABS.includes(/** @type {any} */ (tab)) ? tab : 'users';
  const heading = h('h1', { tabindex: -1 }, t('Administration'));
  document.title = [t('Administration'), 'Terrain'].join(' – ');
  const nav = h(
    'nav',
    { class: 'tabs', 'aria-label': t('Administration') },
    TABS.filter((name) => name !== 'devices' || view.me.role === 'admin').map((name) =>
      h('a', { href: `#/office/admin/${name}`, 'aria-current': name === current ? 'page' : null }, TAB_LABELS[name]()),
    ),
  );
  const body = h('div', { class: 'admin-body' });
  show(main, h('section', { class: 'admin-screen office-wide' }, heading, nav, body));
  const reload = () => renderAdmin(main, view, current);
  const admin = view.me.role === 'admin';
  try {
    const drawn = await DRAW[current](admin, reload);
    if (view.isCurrent()) show(body, ...drawn);
  } catch (error) {
    if (view.isCurrent()) show(body, problem(error));
  }
}

/**
 * A form that sends once and reloads the tab, or says what was wrong.
 * @param {string} title
 * @param {(Node | null)[]} fields
 * @param {(data: FormData) => Promise<unknown>} send
 * @param {() => void} reload
 */
function formOf(title, fields, send, reload) {
  const said = h('p', { role: 'status' });
  const form = h(
    'form',
    {
      class: 'panel stack admin-form',
      onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        try {
          await send(new FormData(/** @type {HTMLFormElement} */ (form)));
          forgetLists();
          reload();
        } catch (error) {
          said.textContent = error instanceof Error ? error.message : String(error);
        }
      },
    },
    h('h2', null, title),
    fields,
    h('button', { type: 'submit', class: 'button-primary' }, t('Save')),
    said,
  );
  return form;
}

/**
 * @param {string} label
 * @param {() => Promise<unknown>} action
 * @param {() => void} reload
 */
function actionButton(label, action, reload) {
  return h(
    'button',
    {
      type: 'button',
      class: 'button-quiet',
      onclick: async () => {
        try {
          await action();
          reload();
        } catch (error) {
          alertProblem(error);
        }
      },
    },
    label,
  );
}

/** @param {unknown} error */
function alertProblem(error) {
  const main = document.querySelector('.admin-body');
  main?.prepend(problem(error));
}

/** @type {Record<string, (admin: boolean, reload: () => void) => Promise<(Node | null)[]>>} */
const DRAW = {
  async users(admin, reload) {
    const [users, teams] = await Promise.all([
      request('GET', '/api/admin/users', { query: { limit: 200 } }),
      request('GET', '/api/admin/teams'),
    ]);
    const teamOptions = teams.items.map((/** @type {any} */ x) => /** @type {[string, string]} */ ([x.id, x.name]));
    const create = admin
      ? formOf(
          t('New user'),
          [
            inputField('u-email', t('E-mail'), 'email', '', { required: true, maxlength: 254, autocomplete: 'off' }),
            inputField('u-name', t('Name'), 'text', '', { required: true, maxlength: 120 }),
            selectField('u-role', t('Role'), ['agent', 'coordinator', 'admin'].map((r) => /** @type {[string, string]} */ ([r, roleLabel(r)])), 'agent'),
            selectField('u-team', t('Team'), [['', t('No team')], ...teamOptions], teamOptions[0]?.[0] || ''),
            selectField('u-language', t('Language'), STAFF_LANGUAGES.map((l) => /** @type {[string, string]} */ ([l, languageName(l)])), 'fr'),
            inputField('u-password', t('First password (hand it over in person)'), 'password', '', { required: true, minlength: 8, autocomplete: 'new-password' }),
          ],
          (data) =>
            request('POST', '/api/admin/users', {
              json: {
                email: data.get('email'),
                name: data.get('name'),
                role: data.get('role'),
                language: data.get('language'),
                password: data.get('password'),
                team_ids: data.get('team') ? [data.get('team')] : [],
              },
            }),
          reload,
        )
      : null;
    const rows = users.items.map((/** @type {any} */ u) => [
      u.name,
      u.email,
      admin ? roleSelect(u, reload) : roleLabel(u.role),
      u.teams.map((/** @type {any} */ x) => x.name).join(', '),
      languageName(u.language),
      u.is_active ? t('Active') : t('Disabled'),
      admin
        ? actionButton(
            u.is_active ? t('Disable') : t('Enable'),
            () => request('POST', `/api/admin/users/${u.id}/${u.is_active ? 'disable' : 'enable'}`),
            reload,
          )
        : '',
    ]);
    return [
      create,
      dataTable(t('Users'), [t('Name'), t('E-mail'), t('Role'), t('Teams'), t('Language'), t('State'), t('Action')], rows),
    ];
  },

  async teams(admin, reload) {
    const teams = await request('GET', '/api/admin/teams');
    return [
      admin
        ? formOf(
            t('New team'),
            [inputField('t-name', t('Name'), 'text', '', { required: true, maxlength: 80 }), inputField('t-city', t('City'), 'text', '', { maxlength: 80 })],
            (data) => request('POST', '/api/admin/teams', { json: { name: data.get('name'), city: data.get('city') || null } }),
            reload,
          )
        : null,
      dataTable(t('Teams'), [t('Name'), t('City'), t('Members')], teams.items.map((/** @type {any} */ x) => [x.name, x.city || '', String(x.members)])),
    ];
  },

  async devices(admin, reload) {
    const devices = await request('GET', '/api/admin/devices', { query: { limit: 200 } });
    return [
      dataTable(
        t('Devices (one per login)'),
        [t('Person'), t('Device'), t('Last used'), t('State'), t('Action')],
        devices.items.map((/** @type {any} */ d) => [
          d.user_name,
          d.name,
          d.last_used_at ? formatDateTime(d.last_used_at) : t('Never'),
          d.active ? t('Active') : d.wipe_requested ? t('Revoked, wipe asked') : t('Revoked'),
          admin && d.active
            ? h(
                'span',
                { class: 'button-row' },
                actionButton(t('Revoke'), () => request('POST', `/api/admin/devices/${d.id}/revoke`, { json: { wipe: false } }), reload),
                actionButton(t('Revoke and wipe'), () => request('POST', `/api/admin/devices/${d.id}/revoke`, { json: { wipe: true } }), reload),
              )
            : '',
        ]),
      ),
    ];
  },

  async partners(_admin, reload) {
    const partners = await request('GET', '/api/partners', { query: { limit: 200 } });
    const kinds = ['employment_service', 'welfare_office', 'integration_agency', 'ngo', 'other'];
    return [
      formOf(
        t('New partner'),
        [
          inputField('p-name', t('Name'), 'text', '', { required: true, maxlength: 120 }),
          selectField('p-kind', t('Kind'), kinds.map((k) => /** @type {[string, string]} */ ([k, partnerKind(k)])), 'ngo'),
          inputField('p-city', t('City'), 'text', '', { maxlength: 80 }),
        ],
        (data) => request('POST', '/api/partners', { json: { name: data.get('name'), kind: data.get('kind'), city: data.get('city') || null } }),
        reload,
      ),
      dataTable(
        t('Partners'),
        [t('Name'), t('Kind'), t('City'), t('State'), t('Action')],
        partners.items.map((/** @type {any} */ p) => [
          p.name,
          partnerKind(p.kind),
          p.city || '',
          p.is_active ? t('Active') : t('Inactive'),
          actionButton(p.is_active ? t('Deactivate') : t('Activate'), () => request('POST', `/api/partners/${p.id}/${p.is_active ? 'deactivate' : 'activate'}`), reload),
        ]),
      ),
    ];
  },

  async venues(_admin, reload) {
    const venues = await request('GET', '/api/venues', { query: { limit: 200 } });
    return [
      formOf(
        t('New venue'),
        [
          inputField('v-name', t('Name'), 'text', '', { required: true, maxlength: 120 }),
          inputField('v-commune', t('Commune'), 'text', '', { maxlength: 80 }),
          inputField('v-next', t('Next visit'), 'date', ''),
        ],
        (data) => request('POST', '/api/venues', { json: { name: data.get('name'), commune: data.get('commune') || null, next_visit_on: data.get('next') || null } }),
        reload,
      ),
      dataTable(
        t('Venues'),
        [t('Name'), t('Commune'), t('Last visit'), t('Next visit')],
        venues.items.map((/** @type {any} */ v) => [v.name, v.commune || '', v.last_visit_at ? formatDateTime(v.last_visit_at) : t('Never'), v.next_visit_on || t('Not planned')]),
      ),
    ];
  },
};

/** @param {string} kind */
function partnerKind(kind) {
  return (
    {
      employment_service: t('Employment service'),
      welfare_office: t('Social welfare office'),
      integration_agency: t('Integration agency'),
      ngo: t('Association'),
      other: t('Other'),
    }[kind] || kind
  );
}

/** @param {any} user @param {() => void} reload */
function roleSelect(user, reload) {
  const id = `role-${user.id}`;
  return h(
    'span',
    null,
    h('label', { for: id, class: 'visually-hidden' }, t('Role of {name}', { name: user.name })),
    h(
      'select',
      {
        id,
        value: user.role,
        onchange: async (/** @type {Event} */ e) => {
          try {
            await request('PATCH', `/api/admin/users/${user.id}`, { json: { role: /** @type {HTMLSelectElement} */ (e.target).value } });
            reload();
          } catch (error) {
            alertProblem(error);
          }
        },
      },
      ['agent', 'coordinator', 'admin'].map((r) => h('option', { value: r }, roleLabel(r))),
    ),
  );
}
