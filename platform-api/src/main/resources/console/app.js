// Tollgate's operator console: plain JavaScript, no build step, no third-party code. It calls the admin API on
// the same origin with the operator token signed in with, kept in this tab's sessionStorage only (never in a URL,
// a cookie or the persistent storage). Everything the API returns is put in the page as text (textContent), never as HTML:
// customer data is hostile.
(function () {
  'use strict';

  var TOKEN_KEY = 'tollgate.console.token';
  var token = sessionStorage.getItem(TOKEN_KEY);
  var main = document.getElementById('main');
  var statusBox = document.getElementById('status');
  var nav = document.getElementById('nav');
  var signOutButton = document.getElementById('sign-out');
  var generation = 0;
  /** A message for the status line of the page navigate() goes to (a page change clears the line otherwise). */
  var carried = null;
  var PAGE_SIZE = 25;
  var OUTCOMES = ['processed', 'accepted', 'skipped', 'dead', 'rejected', 'discarded'];

  // ---- DOM helpers -------------------------------------------------------------------------------------------

  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'text') el.textContent = String(v);
        else if (k.indexOf('on') === 0 && typeof v === 'function') el.addEventListener(k.substring(2), v);
        else if (k === 'class') el.className = v;
        else if (v === true) el.setAttribute(k, '');
        else el.setAttribute(k, String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }

  function append(el, kid) {
    if (kid === null || kid === undefined || kid === false) return;
    if (Array.isArray(kid)) { kid.forEach(function (k) { append(el, k); }); return; }
    el.appendChild(typeof kid === 'object' ? kid : document.createTextNode(String(kid)));
  }

  /** Replaces el's children by the rest of the arguments (null and false skipped, arrays flattened). */
  function fill(el) {
    el.replaceChildren();
    for (var i = 1; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }

  var SVG_NS = 'http://www.w3.org/2000/svg';
  function s(tag, attrs) {
    var el = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') el.textContent = attrs[k]; else el.setAttribute(k, String(attrs[k]));
    });
    for (var i = 2; i < arguments.length; i++) if (arguments[i]) el.appendChild(arguments[i]);
    return el;
  }

  function say(message, kind) {
    fill(statusBox, message ? h('span', { class: kind || 'ok', text: message }) : '');
  }

  function fmtTime(t) {
    if (!t) return '—';
    var d = new Date(t);
    return isNaN(d) ? String(t) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  }

  function fmtAge(seconds) {
    if (seconds === null || seconds === undefined) return '—';
    var n = Number(seconds);
    if (n < 120) return Math.round(n) + ' s';
    if (n < 7200) return Math.round(n / 60) + ' min';
    if (n < 172800) return Math.round(n / 3600) + ' h';
    return Math.round(n / 86400) + ' days';
  }

  function badge(value) {
    var v = value || 'unknown';
    var cls = v === 'ok' || v === 'active' || v === 'processed' ? 'ok'
      : (v === 'broken' || v === 'suspended' || v === 'dead' || v === 'failed' ? 'bad' : 'unknown');
    return h('span', { class: 'badge ' + cls, text: v });
  }

  function link(href, text, label) {
    return h('a', { href: href, text: text, 'aria-label': label });
  }

  function enc(v) { return encodeURIComponent(v); }

  // ---- paging ------------------------------------------------------------------------------------------------
  // The admin API pages forward only, by keyset cursors (next_cursor). To go back, the console remembers, for each
  // list and filter, the cursor of the page before each page it showed (a stack of the cursors followed, one entry a
  // page), so "Previous page" returns to exactly the page seen before. A page reached from a bookmark or after a reload
  // has no remembered page before it: it offers "First page" instead. Cursors are not secrets; they are forgotten on
  // sign-out all the same.
  var pagesSeen = {};

  /** The page size: the route's limit (1 to 200, as the API takes it) or the list's default. */
  function pageSize(params, fallback) {
    var v = params.get('limit');
    return v && /^\d{1,3}$/.test(v) && Number(v) >= 1 && Number(v) <= 200 ? Number(v) : fallback;
  }

  /**
   * The paging links of a list: hrefFor(cursor) is the route of the page at cursor (null: the first page), with the
   * list's filter; listKey names the list and filter (the route without its cursor).
   */
  function pager(label, listKey, hrefFor, cursor, nextCursor) {
    var here = cursor ? pagesSeen[listKey + '\n' + cursor] : { previous: null, number: 1 };
    if (nextCursor) {
      pagesSeen[listKey + '\n' + nextCursor] = { previous: cursor || null, number: here ? here.number + 1 : null };
    }
    var links = [];
    if (cursor && here) {
      links.push(h('a', { href: hrefFor(here.previous), id: 'page-previous', rel: 'prev', text: '← Previous page' }));
    }
    if (cursor && (!here || here.previous)) {
      links.push(h('a', { href: hrefFor(null), id: 'page-first', text: 'First page' }));
    }
    if (nextCursor) {
      links.push(h('a', { href: hrefFor(nextCursor), id: 'page-next', rel: 'next', text: 'Next page →' }));
    }
    if (!links.length) return null;
    return h('nav', { class: 'row pager', 'aria-label': label },
      here && here.number ? h('span', { id: 'page-number', text: 'Page ' + here.number }) : null, links);
  }

  function tenantHref(slug) { return '#/tenants/' + enc(slug); }

  function query(params) {
    var q = new URLSearchParams();
    Object.keys(params).forEach(function (k) {
      var v = params[k];
      if (v !== null && v !== undefined && v !== '') q.set(k, v);
    });
    var str = q.toString();
    return str ? '?' + str : '';
  }

  function field(id, labelText, input, hint) {
    input.id = id;
    var err = h('span', { class: 'field-error', id: id + '-error', role: 'alert' });
    input.setAttribute('aria-describedby', id + '-error' + (hint ? ' ' + id + '-hint' : ''));
    return h('div', { class: 'field' }, h('label', { for: id, text: labelText }), input,
      hint ? h('span', { class: 'muted', id: id + '-hint', text: ' ' + hint }) : null, err);
  }

  function fieldErrors(container, problem, prefixes) {
    container.querySelectorAll('.field-error').forEach(function (e) { e.textContent = ''; });
    container.querySelectorAll('[aria-invalid]').forEach(function (e) { e.removeAttribute('aria-invalid'); });
    var shown = 0;
    ((problem && problem.errors) || []).forEach(function (fe) {
      var name = String(fe.field || '');
      var candidates = [name].concat((prefixes || []).map(function (p) {
        return name.indexOf(p) === 0 ? name.substring(p.length) : null;
      })).filter(Boolean).map(function (n) { return n.replace(/[^a-z0-9_]/gi, '_'); });
      for (var i = 0; i < candidates.length; i++) {
        var input = container.querySelector('[data-field="' + candidates[i] + '"]');
        if (input) {
          input.setAttribute('aria-invalid', 'true');
          var err = document.getElementById(input.id + '-error');
          if (err) err.textContent = fe.message;
          shown++;
          return;
        }
      }
    });
    return shown;
  }

  function problemText(e) {
    if (!e) return 'Something went wrong.';
    var p = e.problem;
    if (p && (p.detail || p.title)) {
      var errors = (p.errors || []).map(function (fe) { return fe.field + ': ' + fe.message; }).join('; ');
      return (p.detail || p.title) + (errors ? ' (' + errors + ')' : '');
    }
    return e.message || String(e);
  }

  // ---- the admin API -----------------------------------------------------------------------------------------

  function ApiError(status, problem) {
    this.status = status;
    this.problem = problem;
    this.message = 'HTTP ' + status;
  }

  function api(method, path, body, options) {
    var headers = { 'Accept': 'application/json', 'Authorization': 'Bearer ' + token };
    var init = { method: method, headers: headers, credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        if (text) {
          try { data = JSON.parse(text); } catch (ignored) { data = null; }
        }
        if (res.status === 401 && !(options && options.signingIn)) {
          signOut('Your operator token was refused (401): it expired, was revoked or is wrong. Sign in again.');
        }
        if (!res.ok) throw new ApiError(res.status, data);
        return { status: res.status, data: data };
      });
    });
  }

  function get(path) { return api('GET', path).then(function (r) { return r.data; }); }

  function notAvailable(e) { return e instanceof ApiError && (e.status === 404 || e.status === 405); }

  function failure(container, e, what) {
    if (e instanceof ApiError && e.status === 401) return;
    var text = what + (notAvailable(e) ? ': not available on this gateway.' : ': ' + problemText(e));
    fill(container, h('p', { class: notAvailable(e) ? 'muted' : 'error', text: text }));
  }

  // ---- sign-in and routing -----------------------------------------------------------------------------------

  function signOut(reason) {
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    pagesSeen = {};
    generation++;
    signIn(reason);
  }

  function signIn(reason) {
    nav.hidden = true;
    signOutButton.hidden = true;
    say('');
    var input = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false', required: true,
      'data-field': 'token' });
    var message = h('p', { id: 'sign-in-message', role: 'alert', class: 'error' });
    if (reason) {
      message.textContent = reason;
      message.className = reason === 'Signed out.' ? 'ok' : 'error';
    }
    var form = h('form', { class: 'sign-in', 'aria-labelledby': 'sign-in-title', onsubmit: function (ev) {
      ev.preventDefault();
      var candidate = input.value.trim();
      if (!candidate) { message.textContent = 'Enter an operator token.'; return; }
      token = candidate;
      message.className = 'muted';
      message.textContent = 'Checking the token…';
      api('GET', '/admin/tenants?limit=1', undefined, { signingIn: true }).then(function () {
        sessionStorage.setItem(TOKEN_KEY, candidate);
        input.value = '';
        if (!location.hash || location.hash === '#/' || location.hash === '#/sign-in') location.hash = '#/attention';
        else { render(); main.focus({ preventScroll: true }); }
      }, function (e) {
        token = null;
        message.className = 'error';
        message.textContent = e instanceof ApiError && e.status === 401
          ? 'That token was refused (401).'
          : (e instanceof ApiError && e.status === 403 ? 'That token lacks the read scope.' : 'Could not sign in: ' + problemText(e));
        input.focus();
      });
    } },
      h('h1', { id: 'sign-in-title', text: 'Sign in' }),
      h('p', { class: 'muted', text: 'Use an operator token (the bootstrap token or one created with POST /admin/tokens). ' +
        'It is kept in this tab only, until you sign out or close the tab.' }),
      field('token', 'Operator token', input),
      message,
      h('button', { type: 'submit', id: 'sign-in-button', text: 'Sign in' }));
    fill(main, form);
    input.focus();
  }

  var ROUTES = [
    [/^\/attention$/, attentionPage, 'attention'],
    [/^\/tenants$/, tenantsPage, 'tenants'],
    [/^\/new-tenant$/, newTenantPage, 'new-tenant'],
    [/^\/tenants\/([^/]+)$/, tenantPage, 'tenants'],
    [/^\/tenants\/([^/]+)\/events$/, eventsPage, 'tenants'],
    [/^\/tenants\/([^/]+)\/events\/([^/]+)$/, eventPage, 'tenants'],
    [/^\/audit$/, auditPage, 'audit']
  ];

  function render() {
    generation++;
    if (!token) { signIn(); return; }
    nav.hidden = false;
    signOutButton.hidden = false;
    var hash = location.hash.replace(/^#/, '') || '/attention';
    var q = hash.indexOf('?');
    var path = q < 0 ? hash : hash.substring(0, q);
    var params = new URLSearchParams(q < 0 ? '' : hash.substring(q + 1));
    for (var i = 0; i < ROUTES.length; i++) {
      var m = ROUTES[i][0].exec(path);
      if (m) {
        nav.querySelectorAll('a').forEach(function (a) {
          if (a.getAttribute('data-nav') === ROUTES[i][2]) a.setAttribute('aria-current', 'page');
          else a.removeAttribute('aria-current');
        });
        var view = h('div', { class: 'view' });
        fill(main, view);
        var args = m.slice(1).map(decodeURIComponent);
        ROUTES[i][1].apply(null, [view, params].concat(args));
        return;
      }
    }
    fill(main, h('h1', { text: 'Not found' }), h('p', {}, link('#/attention', 'Back to what needs attention')));
  }

  /** Goes to the page at hash, with message (if any) in the status line there. */
  function navigate(hash, message) {
    carried = message || null;
    if (location.hash === hash) {
      say(carried || '');
      carried = null;
      render();
    } else location.hash = hash;
  }

  window.addEventListener('hashchange', function () {
    say(carried || '');
    carried = null;
    render();
    // the new page's content has the focus (the sign-in form focuses its token field itself)
    if (token) main.focus({ preventScroll: true });
  });
  signOutButton.addEventListener('click', function () { signOut('Signed out.'); });
  // the skip link moves focus without touching the hash (the hash is the page's route)
  document.querySelector('.skip').addEventListener('click', function (ev) {
    ev.preventDefault();
    main.focus();
  });

  // ---- Needs attention ---------------------------------------------------------------------------------------

  function listSection(title, items, empty, row, total) {
    var n = items ? items.length : 0;
    return h('section', { class: 'card', 'aria-label': title }, h('h2', { text: title + (n ? ' (' + (total || n) + ')' : '') }),
      n ? h('ul', {}, items.map(function (it) { return h('li', {}, row(it)); })) : h('p', { class: 'muted', text: empty }),
      total && total > n ? h('p', { class: 'muted', text: 'The ' + n + ' oldest of ' + total + ' are listed.' }) : null);
  }

  function attentionPage(view) {
    view.appendChild(h('h1', { text: 'Needs attention' }));
    var body = h('div', { text: 'Loading…' });
    view.appendChild(body);
    get('/admin/attention').then(function (a) {
      fill(body, 
        h('p', { class: 'muted', text: 'As of ' + fmtTime(a.as_of) }),
        listSection('Broken connections', a.broken_connections, 'No broken connection.', function (b) {
          return [link(tenantHref(b.slug), b.name + ' (' + b.slug + ')'), ' — ', b.provider + ': ' + (b.reason || 'broken'),
            ' since ' + fmtTime(b.since) + '. ', link(tenantHref(b.slug) + '?focus=connect', 'Reconnect',
              'Reconnect ' + b.slug)];
        }, a.broken_connections_total),
        listSection('Silent tenants', a.silent_tenants, 'No silent tenant.', function (t) {
          return [link(tenantHref(t.slug), t.name + ' (' + t.slug + ')'), ' — no ' + t.provider +
            ' delivery since ' + fmtTime(t.last_delivery_at) + '. ',
            link(tenantHref(t.slug) + '?focus=connect', 'Check the connection', 'Check the connection of ' + t.slug)];
        }, a.silent_tenants_total),
        listSection('Tenants with dead events', a.dead_events, 'No dead event.', function (d) {
          return [link(tenantHref(d.slug), d.name + ' (' + d.slug + ')'), ' — ',
            link(tenantHref(d.slug) + '/events?status=dead', d.count + ' dead events', 'Dead events of ' + d.slug)];
        }, a.dead_events_total),
        listSection('Open data requests', a.open_data_requests, 'No open data request.', function (r) {
          return [link(tenantHref(r.slug) + '?focus=data-requests', r.name + ' (' + r.slug + ')'),
            ' — request received ' + fmtTime(r.received_at) + ', open for ' + fmtAge(r.age_seconds) +
            ' (see "Privacy requests" in docs/operations.md).'];
        }, a.open_data_requests_total),
        listSection('Oldest queued job', a.oldest_queued_job ? [a.oldest_queued_job] : [], 'The queue is empty.',
          function (j) {
            return [link(tenantHref(j.slug) + '/events/' + enc(j.event_id), 'Event ' + j.event_id + ' of ' + j.slug),
              ' — due ' + fmtTime(j.run_at) + ', waiting ' + fmtAge(j.age_seconds) + '.'];
          }));
    }, function (e) {
      failure(body, e, 'The attention summary');
      if (!notAvailable(e)) return;
      // what the tenants list can say on its own: the broken connections
      get('/admin/tenants?limit=100&connection=broken').then(function (page) {
        body.appendChild(listSection('Broken connections', page.items, 'No broken connection.', function (t) {
          return [link(tenantHref(t.slug), t.name + ' (' + t.slug + ')'), ' — ',
            ['gorgias', 'shopify'].filter(function (p) {
              return t.connections && t.connections[p] && t.connections[p].status === 'broken';
            }).map(function (p) { return p + ': ' + (t.connections[p].reason || 'broken'); }).join('; ')];
        }));
      }, function () { /* already said */ });
    });
  }

  // ---- Tenants -----------------------------------------------------------------------------------------------

  function select(options, value, attrs) {
    var el = h('select', attrs || {});
    options.forEach(function (o) {
      var opt = h('option', { value: o[0], text: o[1] });
      if (o[0] === (value || '')) opt.selected = true;
      el.appendChild(opt);
    });
    return el;
  }

  function summaryFromTenant(t) {
    var c = t.connections || {};
    var g = c.gorgias || {}, sh = c.shopify || {};
    return { slug: t.slug, name: t.name, status: t.status,
      connection: { gorgias: g.status, shopify: sh.status, reason: g.reason || sh.reason },
      deliveries_last_hour: null, last_delivery: t.last_delivery_at || {}, dead_events: null };
  }

  function tenantsPage(view, params) {
    var qIn = h('input', { type: 'search', value: params.get('q') || '', 'data-field': 'q' });
    var statusIn = select([['', 'Any'], ['active', 'Active'], ['suspended', 'Suspended']], params.get('status'));
    var connIn = select([['', 'Any'], ['broken', 'Broken'], ['ok', 'OK'], ['none', 'Not connected']],
      params.get('connection'));
    var form = h('form', { role: 'search', 'aria-label': 'Find tenants', onsubmit: function (ev) {
      ev.preventDefault();
      navigate('#/tenants' + query({ q: qIn.value.trim(), status: statusIn.value, connection: connIn.value,
        limit: params.get('limit') }));
    } }, h('div', { class: 'fields' },
      field('tenant-q', 'Slug or name', qIn), field('tenant-status', 'Status', statusIn),
      field('tenant-connection', 'Connection', connIn), h('button', { type: 'submit', text: 'Search' })));
    var body = h('div', { text: 'Loading…' });
    view.append(h('h1', { text: 'Tenants' }), form, body);
    var filter = { q: params.get('q'), status: params.get('status'), connection: params.get('connection'),
      cursor: params.get('cursor'), limit: pageSize(params, PAGE_SIZE) };
    // the page size in the console's links only when the address names one
    var pageLimit = params.get('limit') ? filter.limit : null;
    get('/admin/tenant-summaries' + query(filter)).then(function (page) {
      tenantsTable(body, page.items, page.next_cursor, filter, false, pageLimit);
    }, function (e) {
      if (!notAvailable(e)) { failure(body, e, 'The tenants'); return; }
      get('/admin/tenants' + query({ limit: filter.limit, cursor: filter.cursor,
        connection: filter.connection === 'broken' ? 'broken' : '' })).then(function (page) {
        var q = (filter.q || '').toLowerCase();
        var items = page.items.map(summaryFromTenant).filter(function (t) {
          return (!q || t.slug.toLowerCase().indexOf(q) >= 0 || t.name.toLowerCase().indexOf(q) >= 0)
            && (!filter.status || t.status === filter.status)
            && (!filter.connection || filter.connection === 'broken'
              || (filter.connection === 'ok' && (t.connection.gorgias === 'ok' || t.connection.shopify === 'ok'))
              || (filter.connection === 'none' && t.connection.gorgias !== 'ok' && t.connection.shopify !== 'ok'));
        });
        tenantsTable(body, items, page.next_cursor, filter, true, pageLimit);
      }, function (e2) { failure(body, e2, 'The tenants'); });
    });
  }

  function tenantsTable(body, items, nextCursor, filter, limited, pageLimit) {
    var rows = items.map(function (t) {
      var c = t.connection || {};
      var last = t.last_delivery || {};
      return h('tr', {},
        h('td', {}, link(tenantHref(t.slug), t.slug), h('div', { class: 'muted', text: t.name })),
        h('td', {}, badge(t.status)),
        h('td', {}, 'Gorgias ', badge(c.gorgias), ' Shopify ', badge(c.shopify),
          c.reason ? h('div', { class: 'muted', text: c.reason }) : null),
        h('td', { text: t.deliveries_last_hour === null || t.deliveries_last_hour === undefined ? '—'
          : t.deliveries_last_hour + (t.deliveries_last_hour_capped ? ' or more' : '') }),
        h('td', {}, h('div', { text: 'Gorgias: ' + fmtTime(last.gorgias) }), h('div', { text: 'Shopify: ' + fmtTime(last.shopify) })),
        h('td', {}, t.dead_events ? link(tenantHref(t.slug) + '/events?status=dead', String(t.dead_events),
          'Dead events of ' + t.slug) : (t.dead_events === 0 ? '0' : '—')));
    });
    fill(body, 
      limited ? h('p', { class: 'muted', text: 'The tenant summaries are not available on this gateway: the list shows ' +
        'what GET /admin/tenants gives (search and status filter this page only).' }) : null,
      items.length ? h('table', { id: 'tenants-table' }, h('caption', { class: 'muted', text: items.length + ' tenants on this page' }),
        h('thead', {}, h('tr', {}, ['Tenant', 'Status', 'Connections', 'Deliveries (last hour)', 'Last delivery',
          'Dead events'].map(function (c) { return h('th', { scope: 'col', text: c }); }))),
        h('tbody', {}, rows)) : h('p', { text: 'No tenant matches.' }),
      pager('Pages of tenants', 'tenants' + query({ q: filter.q, status: filter.status, connection: filter.connection,
        limit: pageLimit }), function (cursor) {
        return '#/tenants' + query({ q: filter.q, status: filter.status, connection: filter.connection,
          limit: pageLimit, cursor: cursor });
      }, filter.cursor, nextCursor));
  }

  // ---- Onboarding --------------------------------------------------------------------------------------------

  function text(name, type, extra) {
    var attrs = { type: type || 'text', 'data-field': name, autocomplete: 'off' };
    Object.keys(extra || {}).forEach(function (k) { attrs[k] = extra[k]; });
    return h('input', attrs);
  }

  function secretOnce(title, value) {
    var box = h('section', { class: 'card', id: 'secret-once', 'aria-label': title });
    var code = h('code', { class: 'secret', id: 'secret-value', text: value });
    var done = h('button', { type: 'button', class: 'secondary', id: 'secret-done', text: 'I have stored it: hide it' });
    var copied = h('span', { role: 'status', class: 'ok' });
    var copy = h('button', { type: 'button', id: 'secret-copy', text: 'Copy', onclick: function () {
      var v = code.textContent;
      var ok = function () { copied.textContent = ' Copied.'; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(v).then(ok, function () {
          window.getSelection().selectAllChildren(code);
          copied.textContent = ' Selected: press Ctrl+C to copy.';
        });
      } else {
        window.getSelection().selectAllChildren(code);
        copied.textContent = ' Selected: press Ctrl+C to copy.';
      }
    } });
    done.addEventListener('click', function () {
      code.textContent = '';
      fill(box, h('p', { class: 'muted', text: 'The secret was hidden; it cannot be shown again.' }));
    });
    box.append(h('h2', { text: title }),
      h('p', { class: 'warn', text: 'Shown this once: store it now (the merchant needs it). It is gone from this ' +
        'page when you leave it.' }),
      h('div', { class: 'row' }, code, copy, copied), done);
    return box;
  }

  function connectResult(result) {
    if (!result) return null;
    var providers = ['gorgias', 'shopify'].filter(function (p) { return result[p]; });
    return h('section', { class: 'card', id: 'connect-result', 'aria-label': 'Connect result' },
      h('h2', {}, 'Connect: ', badge(result.status)),
      providers.map(function (p) {
        var r = result[p];
        return h('div', {}, h('h3', {}, p + ' ', badge(r.status)),
          h('table', {}, h('thead', {}, h('tr', {}, ['Step', 'Topic', 'Result', 'Upstream status', 'Detail'].map(function (c) {
            return h('th', { scope: 'col', text: c });
          }))), h('tbody', {}, (r.steps || []).map(function (st) {
            return h('tr', {}, h('td', { text: st.step }), h('td', { text: st.topic || '' }), h('td', {}, badge(st.status)),
              h('td', { text: st.upstream_status || '' }), h('td', { text: st.detail || '' }));
          }))));
      }),
      (result.notes || []).map(function (n) { return h('p', { class: 'muted', text: n }); }));
  }

  function newTenantPage(view) {
    var f = {
      slug: text('slug', 'text', { required: true, pattern: '[a-z0-9][a-z0-9-]*' }), name: text('name'),
      gd: text('gorgias_domain'), gu: text('gorgias_username'), gk: text('gorgias_api_key', 'password'),
      gb: text('gorgias_base_url', 'url'),
      sd: text('shopify_shop_domain'), st: text('shopify_access_token', 'password'),
      ss: text('shopify_webhook_secret', 'password'), sb: text('shopify_base_url', 'url'),
      connect: h('input', { type: 'checkbox', 'data-field': 'connect' })
    };
    var out = h('div');
    var button = h('button', { type: 'submit', id: 'onboard', text: 'Onboard' });
    var form = h('form', { 'aria-label': 'Onboard a tenant', onsubmit: function (ev) {
      ev.preventDefault();
      var body = { slug: f.slug.value.trim(), name: f.name.value.trim(),
        gorgias: { domain: f.gd.value.trim(), username: f.gu.value.trim(), api_key: f.gk.value },
        shopify: { shop_domain: f.sd.value.trim(), access_token: f.st.value, webhook_secret: f.ss.value },
        connect: f.connect.checked };
      if (f.gb.value.trim()) body.gorgias.base_url = f.gb.value.trim();
      if (f.sb.value.trim()) body.shopify.base_url = f.sb.value.trim();
      button.disabled = true;
      fill(out, h('p', { class: 'muted', text: 'Onboarding…' }));
      api('POST', '/admin/tenants', body).then(function (r) {
        var t = r.data;
        [f.gk, f.st, f.ss].forEach(function (i) { i.value = ''; });
        form.hidden = true;
        fill(out, h('p', { class: 'ok', id: 'onboarded', text: 'Onboarded ' + t.slug + '.' }),
          secretOnce('Gorgias webhook secret of ' + t.slug, t.gorgias_webhook_secret),
          h('section', { class: 'card', 'aria-label': 'Webhook URLs' }, h('h2', { text: 'Webhook URLs' }),
            h('dl', { class: 'kv' }, h('dt', { text: 'Gorgias' }), h('dd', { text: (t.webhook_urls || {}).gorgias }),
              h('dt', { text: 'Shopify' }), h('dd', { text: (t.webhook_urls || {}).shopify }))),
          connectResult(t.connect),
          h('p', {}, link(tenantHref(t.slug), 'Open ' + t.slug)));
      }, function (e) {
        button.disabled = false;
        var n = fieldErrors(form, e.problem, []);
        fill(out, h('p', { class: 'error', role: 'alert', text: (n ? 'Fix the fields marked. ' : '') + problemText(e) }));
      });
    } },
      h('div', { class: 'fields' }, field('new-slug', 'Slug', f.slug, 'lowercase letters, digits, dashes'),
        field('new-name', 'Name', f.name)),
      h('h2', { text: 'Gorgias' }),
      h('div', { class: 'fields' }, field('new-gd', 'Domain', f.gd), field('new-gu', 'Username', f.gu),
        field('new-gk', 'API key', f.gk), field('new-gb', 'Base URL (stand-ins only)', f.gb)),
      h('h2', { text: 'Shopify' }),
      h('div', { class: 'fields' }, field('new-sd', 'Shop domain', f.sd), field('new-st', 'Access token', f.st),
        field('new-ss', 'Webhook secret', f.ss), field('new-sb', 'Base URL (stand-ins only)', f.sb)),
      h('div', { class: 'field' }, h('label', {}, f.connect, ' Connect now (register the webhooks upstream)')),
      button);
    view.append(h('h1', { text: 'Onboard a tenant' }), form, out);
  }

  // ---- A tenant ----------------------------------------------------------------------------------------------

  var LIMITS = [
    ['rate_per_minute', 'Rate per minute'], ['burst', 'Burst'], ['max_payload_bytes', 'Max payload (bytes)'],
    ['timeout_ms', 'Timeout (ms)'], ['max_concurrent', 'Max concurrent'], ['retry_attempts', 'Retry attempts'],
    ['llm_drafts_per_day', 'Model drafts per day (empty: fleet default)']
  ];

  function tenantPage(view, params, slug) {
    var base = '/admin/tenants/' + enc(slug);
    view.appendChild(h('p', { text: 'Loading…' }));
    get(base).then(function (t) {
      var actions = h('div', { class: 'row' });
      var result = h('div', { id: 'tenant-result', role: 'status' });
      var header = [h('h1', {}, t.name + ' ', h('span', { class: 'muted', text: '(' + t.slug + ')' }), ' ', badge(t.status)),
        h('div', { class: 'row' }, link(tenantHref(slug) + '/events', 'Events'),
          link(tenantHref(slug) + '/events?status=dead', 'Dead events'),
          link('#/audit' + query({ tenant: slug }), 'Audit log of this tenant')), actions, result];

      var suspend = h('button', { type: 'button', class: 'secondary', id: 'suspend-toggle',
        text: t.status === 'suspended' ? 'Resume' : 'Suspend', onclick: function () {
          var path = base + (t.status === 'suspended' ? '/resume' : '/suspend');
          suspend.disabled = true;
          api('POST', path).then(function () {
            say(t.status === 'suspended' ? 'Resumed ' + slug + '.' : 'Suspended ' + slug + '.');
            render();
          }, function (e) { suspend.disabled = false; fill(result, h('p', { class: 'error', text: problemText(e) })); });
        } });
      var connect = h('button', { type: 'button', id: 'connect', text: 'Connect / reconnect', onclick: function () {
        connect.disabled = true;
        fill(result, h('p', { class: 'muted', text: 'Connecting… (each step is shown when done)' }));
        api('POST', base + '/connect', {}).then(function (r) {
          connect.disabled = false;
          fill(result, connectResult(r.data));
        }, function (e) { connect.disabled = false; fill(result, h('p', { class: 'error', text: problemText(e) })); });
      } });
      actions.append(suspend, connect);

      var c = t.connections || {};
      var last = t.last_delivery_at || {};
      var overview = h('section', { class: 'card', 'aria-label': 'Connections' }, h('h2', { text: 'Connections' }),
        h('table', {}, h('thead', {}, h('tr', {}, ['Provider', 'Status', 'Reason', 'Checked', 'Last delivery', 'Webhook URL']
          .map(function (x) { return h('th', { scope: 'col', text: x }); }))),
          h('tbody', {}, ['gorgias', 'shopify'].map(function (p) {
            var cp = c[p] || {};
            return h('tr', {}, h('td', { text: p }), h('td', {}, badge(cp.status)), h('td', { text: cp.reason || '' }),
              h('td', { text: fmtTime(cp.checked_at) }), h('td', { text: fmtTime(last[p]) }),
              h('td', { text: (t.webhook_urls || {})[p] || '' }));
          }))),
        t.shopify && t.shopify.disabled_at ? h('p', { class: 'warn', text: 'The shop uninstalled the app on ' +
          fmtTime(t.shopify.disabled_at) + ': no Shopify calls are made.' }) : null);

      var chart = h('section', { class: 'card chart', 'aria-label': 'Last 24 hours' }, h('h2', { text: 'Last 24 hours' }),
        h('p', { class: 'muted', text: 'Loading…' }));
      get(base + '/stats?hours=24').then(function (st) { drawChart(chart, st); },
        function (e) { failure(chart.lastChild, e, 'The delivery statistics'); });

      fill.apply(null, [view].concat(header, [overview, chart, limitsForm(t, base), draftOnlyForm(t, base),
        rotateForm(t, base), dataRequests(base, params.get('focus') === 'data-requests'), erasures(base),
        deleteForm(t, base)]));
      if (params.get('focus') === 'connect') connect.focus();
    }, function (e) {
      if (e instanceof ApiError && e.status === 404) {
        fill(view, h('h1', { text: 'No tenant ' + slug }), h('p', {}, link('#/tenants', 'All tenants')));
      } else failure(view, e, 'The tenant');
    });
  }

  function limitsForm(t, base) {
    var inputs = {};
    var msg = h('p', { role: 'status' });
    var form = h('form', { id: 'limits-form', 'aria-label': 'Limits', novalidate: true, onsubmit: function (ev) {
      ev.preventDefault();
      var limits = {};
      var local = [];
      LIMITS.forEach(function (l) {
        var v = inputs[l[0]].value.trim();
        if (v === '') {
          if (l[0] === 'llm_drafts_per_day') limits[l[0]] = null;
          else local.push({ field: 'limits.' + l[0], message: 'is required' });
        } else if (!/^-?\d+$/.test(v)) local.push({ field: 'limits.' + l[0], message: 'must be a whole number' });
        else limits[l[0]] = Number(v);
      });
      if (local.length) {
        fieldErrors(form, { errors: local }, ['limits.']);
        msg.className = 'error';
        msg.textContent = 'Fix the fields marked.';
        return;
      }
      msg.className = 'muted';
      msg.textContent = 'Saving…';
      api('PATCH', base, { limits: limits }).then(function () {
        fieldErrors(form, { errors: [] }, []);
        msg.className = 'ok';
        msg.textContent = 'Limits saved.';
      }, function (e) {
        var n = fieldErrors(form, e.problem, ['limits.']);
        msg.className = 'error';
        msg.textContent = n ? 'Fix the fields marked.' : problemText(e);
      });
    } }, h('h2', { text: 'Limits' }));
    var fields = h('div', { class: 'fields' });
    LIMITS.forEach(function (l) {
      var v = t.limits ? t.limits[l[0]] : null;
      inputs[l[0]] = h('input', { type: 'text', inputmode: 'numeric', value: v === null || v === undefined ? '' : v,
        'data-field': l[0] });
      fields.appendChild(field('limit-' + l[0], l[1], inputs[l[0]]));
    });
    form.append(fields, h('div', { class: 'row' }, h('button', { type: 'submit', id: 'save-limits', text: 'Save limits' }), msg));
    return h('section', { class: 'card' }, form);
  }

  function draftOnlyForm(t, base) {
    var box = h('section', { class: 'card', 'aria-label': 'Draft-only mode' }, h('h2', { text: 'Draft-only mode' }));
    if (typeof t.draft_only !== 'boolean') {
      box.appendChild(h('p', { class: 'muted', text: 'Draft-only mode is not available on this gateway.' }));
      return box;
    }
    var check = h('input', { type: 'checkbox', id: 'draft-only' });
    check.checked = t.draft_only;
    var msg = h('span', { role: 'status', id: 'draft-only-result' });
    var save = h('button', { type: 'button', class: 'secondary', id: 'save-draft-only', text: 'Save', onclick: function () {
      api('PATCH', base, { draft_only: check.checked }).then(function () {
        msg.className = 'ok';
        msg.textContent = check.checked ? ' Draft-only: notes are drafted, not posted.' : ' Notes are posted.';
      }, function (e) { msg.className = 'error'; msg.textContent = ' ' + problemText(e); });
    } });
    box.append(h('div', { class: 'row' }, h('label', { for: 'draft-only' }, check,
      ' Draft only: keep drafted notes for review instead of posting them to Gorgias'), save, msg));
    return box;
  }

  function rotateForm(t, base) {
    var grace = h('input', { type: 'text', inputmode: 'numeric', value: '86400', 'data-field': 'grace_seconds' });
    var provider = select([['gorgias', 'Gorgias (a new secret is generated)'], ['shopify', 'Shopify (enter the new app secret)']],
      'gorgias');
    var newSecret = h('input', { type: 'password', autocomplete: 'off', 'data-field': 'webhook_secret' });
    var secretField = field('rotate-new-secret', 'New Shopify webhook secret', newSecret);
    secretField.hidden = true;
    provider.addEventListener('change', function () { secretField.hidden = provider.value !== 'shopify'; });
    var out = h('div');
    var button = h('button', { type: 'submit', id: 'rotate', class: 'secondary', text: 'Rotate secret' });
    var form = h('form', { 'aria-label': 'Rotate a webhook secret', onsubmit: function (ev) {
      ev.preventDefault();
      var body = { provider: provider.value, grace_seconds: Number(grace.value.trim()) };
      if (provider.value === 'shopify') body.webhook_secret = newSecret.value;
      button.disabled = true;
      api('POST', base + '/secrets/rotate', body).then(function (r) {
        button.disabled = false;
        newSecret.value = '';
        var d = r.data || {};
        var integ = d.gorgias_integration;
        fill(out, 
          d.gorgias_webhook_secret ? secretOnce('New Gorgias webhook secret', d.gorgias_webhook_secret)
            : h('p', { class: 'ok', text: 'Rotated; the old secret verifies for ' + body.grace_seconds + ' s more.' }),
          integ ? h('p', {}, 'Gorgias integration: ', badge(integ.status), integ.message ? ' ' + integ.message : '') : null);
      }, function (e) {
        button.disabled = false;
        fieldErrors(form, e.problem, []);
        fill(out, h('p', { class: 'error', text: problemText(e) }));
      });
    } }, h('h2', { text: 'Rotate a webhook secret' }),
      h('div', { class: 'fields' }, field('rotate-provider', 'Provider', provider),
        field('rotate-grace', 'Old secret keeps working for (seconds)', grace), secretField, button));
    return h('section', { class: 'card' }, form, out);
  }

  function dataRequests(base, focus) {
    var box = h('section', { class: 'card', id: 'data-requests', 'aria-label': 'Open data requests', tabindex: '-1' },
      h('h2', { text: 'Open data requests' }));
    var body = h('div', { text: 'Loading…' });
    box.appendChild(body);
    get(base + '/data-requests?state=open&limit=20').then(function (page) {
      if (!page.items.length) { fill(body, h('p', { class: 'muted', text: 'None open.' })); return; }
      fill(body, h('ul', {}, page.items.map(function (r) {
        var b = h('button', { type: 'button', class: 'secondary', text: 'Mark delivered', onclick: function () {
          api('POST', base + '/data-requests/' + enc(r.id) + '/delivered', {}).then(function () {
            b.replaceWith(h('span', { class: 'ok', text: ' delivered' }));
          }, function (e) { b.after(h('span', { class: 'error', text: ' ' + problemText(e) })); });
        } });
        return h('li', {}, 'Request ' + r.id + ' received ' + fmtTime(r.received_at) + ' (customer ' +
          (r.customer_id || '?') + ') ', b);
      })));
    }, function (e) { failure(body, e, 'Data requests'); });
    if (focus) setTimeout(function () { box.focus(); }, 0);
    return box;
  }

  function erasures(base) {
    var box = h('section', { class: 'card', id: 'erasures', 'aria-label': 'Privacy erasures', tabindex: '-1' },
      h('h2', { text: 'Privacy erasures' }),
      h('p', { class: 'muted', text: 'What each customers/redact and shop/redact erased here (newest first). Notes ' +
        'Tollgate posted in Gorgias stay there: erasing them in Gorgias is the merchant\'s duty.' }));
    var list = h('ul', { id: 'erasures-list' });
    var body = h('div', { text: 'Loading…' });
    box.appendChild(body);
    var load = function (cursor) {
      get(base + '/privacy' + query({ limit: 10, cursor: cursor })).then(function (page) {
        if (!cursor && !page.items.length) { fill(body, h('p', { class: 'muted', text: 'None.' })); return; }
        page.items.forEach(function (e) {
          var rows = Object.keys(e.rows || {}).filter(function (k) { return e.rows[k]; })
            .map(function (k) { return k + ' ' + e.rows[k]; }).join(', ');
          var notes = e.gorgias_notes || [];
          list.appendChild(h('li', {}, fmtTime(e.erased_at) + ' — ' + e.topic + ': ' + e.total_rows + ' rows erased' +
            (rows ? ' (' + rows + ')' : '') + '.',
            notes.length ? ' Notes to erase in Gorgias: ' + notes.map(function (n) {
              return 'ticket ' + n.ticket_id + ' message ' + n.message_id;
            }).join('; ') + '.' : ''));
        });
        var more = page.next_cursor ? h('button', { type: 'button', class: 'secondary', id: 'erasures-more',
          text: 'Older erasures', onclick: function () { more.disabled = true; load(page.next_cursor); } }) : null;
        fill(body, list, more);
        if (cursor) (more || box).focus();
      }, function (e) { failure(body, e, 'Privacy erasures'); });
    };
    load(null);
    return box;
  }

  function deleteForm(t, base) {
    var confirmIn = h('input', { type: 'text', autocomplete: 'off', 'data-field': 'confirm' });
    var button = h('button', { type: 'submit', class: 'danger', id: 'delete', text: 'Delete ' + t.slug, disabled: true });
    confirmIn.addEventListener('input', function () { button.disabled = confirmIn.value !== t.slug; });
    var msg = h('p', { role: 'status' });
    var form = h('form', { 'aria-label': 'Delete the tenant', onsubmit: function (ev) {
      ev.preventDefault();
      if (confirmIn.value !== t.slug) return;
      button.disabled = true;
      api('DELETE', base).then(function () {
        navigate('#/tenants', 'Deleted ' + t.slug + ' and every row it had.');
      }, function (e) { button.disabled = false; msg.className = 'error'; msg.textContent = problemText(e); });
    } }, h('h2', { text: 'Delete' }),
      h('p', { class: 'muted', text: 'Removes the upstream webhooks a connect registered, then every row of the tenant. ' +
        'The audit log keeps the record.' }),
      h('div', { class: 'fields' }, field('delete-confirm', 'Type the slug "' + t.slug + '" to confirm', confirmIn), button), msg);
    return h('section', { class: 'card' }, form);
  }

  function drawChart(box, st) {
    var buckets = st.buckets || [];
    var W = 720, H = 220, left = 44, right = 12, top = 12, bottom = 32;
    var max = 1;
    var totals = {};
    var notes = 0;
    buckets.forEach(function (b) {
      var sum = 0;
      OUTCOMES.forEach(function (o) { var n = (b.deliveries || {})[o] || 0; sum += n; totals[o] = (totals[o] || 0) + n; });
      notes += b.notes_posted || 0;
      max = Math.max(max, sum, b.notes_posted || 0);
    });
    var summary = 'Deliveries by outcome over the last ' + Math.round(buckets.length * (st.bucket_seconds || 3600) / 3600) +
      ' hours: ' + OUTCOMES.map(function (o) { return (totals[o] || 0) + ' ' + o; }).join(', ') + '; ' + notes + ' notes posted.';
    var svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': summary, id: 'stats-chart' },
      s('title', { text: summary }));
    var plotW = W - left - right, plotH = H - top - bottom;
    var bw = buckets.length ? plotW / buckets.length : plotW;
    svg.appendChild(s('line', { class: 'axis', x1: left, y1: top + plotH, x2: W - right, y2: top + plotH }));
    svg.appendChild(s('line', { class: 'axis', x1: left, y1: top, x2: left, y2: top + plotH }));
    svg.appendChild(s('text', { x: left - 4, y: top + 8, 'text-anchor': 'end', text: String(max) }));
    svg.appendChild(s('text', { x: left - 4, y: top + plotH, 'text-anchor': 'end', text: '0' }));
    var points = [];
    buckets.forEach(function (b, i) {
      var x = left + i * bw;
      var y = top + plotH;
      OUTCOMES.forEach(function (o) {
        var n = (b.deliveries || {})[o] || 0;
        if (!n) return;
        var hgt = n / max * plotH;
        y -= hgt;
        svg.appendChild(s('rect', { class: 's-' + o, x: (x + 1).toFixed(1), y: y.toFixed(1),
          width: Math.max(1, bw - 2).toFixed(1), height: hgt.toFixed(1) }, s('title', { text: fmtTime(b.start) + ': ' + n + ' ' + o })));
      });
      points.push((x + bw / 2).toFixed(1) + ',' + (top + plotH - (b.notes_posted || 0) / max * plotH).toFixed(1));
      if (i % 6 === 0) {
        var d = new Date(b.start);
        svg.appendChild(s('text', { x: x.toFixed(1), y: H - 12,
          text: isNaN(d) ? '' : ('0' + d.getUTCHours()).slice(-2) + ':00Z' }));
      }
    });
    if (points.length && notes > 0) svg.appendChild(s('polyline', { class: 's-notes', points: points.join(' ') }));
    var legend = h('div', { class: 'legend', 'aria-hidden': 'true' }, OUTCOMES.map(function (o) {
      return h('span', {}, h('span', { class: 'swatch s-' + o }), o + ' (' + (totals[o] || 0) + ')');
    }), h('span', {}, h('span', { class: 'swatch s-notes' }), 'notes posted (' + notes + ')'));
    fill(box, h('h2', { text: 'Last 24 hours' }), svg, legend);
  }

  // ---- Events ------------------------------------------------------------------------------------------------

  var EVENT_STATUSES = [['', 'Any'], ['accepted', 'Accepted'], ['processing', 'Processing'], ['processed', 'Processed'],
    ['skipped', 'Skipped'], ['dead', 'Dead'], ['rejected', 'Rejected'], ['discarded', 'Discarded']];

  function eventsPage(view, params, slug) {
    var base = '/admin/tenants/' + enc(slug);
    var f = {
      status: select(EVENT_STATUSES, params.get('status'), { 'data-field': 'status' }),
      provider: select([['', 'Any'], ['gorgias', 'Gorgias'], ['shopify', 'Shopify']], params.get('provider'),
        { 'data-field': 'provider' }),
      topic: text('topic', 'text', { value: params.get('topic') || '' }),
      after: text('received_after', 'text', { value: params.get('received_after') || '', placeholder: '2026-12-01T00:00:00Z' }),
      before: text('received_before', 'text', { value: params.get('received_before') || '', placeholder: '2026-12-02T00:00:00Z' }),
      q: text('q', 'search', { value: params.get('q') || '' })
    };
    var filter = { status: params.get('status'), provider: params.get('provider'), topic: params.get('topic'),
      received_after: params.get('received_after'), received_before: params.get('received_before'), q: params.get('q') };
    var size = pageSize(params, 50);
    var form = h('form', { role: 'search', 'aria-label': 'Filter events', onsubmit: function (ev) {
      ev.preventDefault();
      navigate(tenantHref(slug) + '/events' + query({ status: f.status.value, provider: f.provider.value,
        topic: f.topic.value.trim(), received_after: f.after.value.trim(), received_before: f.before.value.trim(),
        q: f.q.value.trim(), limit: params.get('limit') }));
    } }, h('div', { class: 'fields' }, field('ev-status', 'Status', f.status), field('ev-provider', 'Provider', f.provider),
      field('ev-topic', 'Topic', f.topic), field('ev-after', 'Received from (UTC)', f.after),
      field('ev-before', 'Received before (UTC)', f.before), field('ev-q', 'Text in the body', f.q),
      h('button', { type: 'submit', id: 'filter-events', text: 'Filter' })));
    var list = h('div', { text: 'Loading…' });
    view.append(h('h1', {}, 'Events of ', link(tenantHref(slug), slug)), form, bulkPanel(base, slug, filter), list);
    get(base + '/events' + query({ status: filter.status, provider: filter.provider, topic: filter.topic,
      received_after: filter.received_after, received_before: filter.received_before, q: filter.q, limit: size,
      cursor: params.get('cursor') })).then(function (page) {
      var rows = page.items.map(function (e) {
        return h('tr', { 'data-event': e.id },
          h('td', {}, link(tenantHref(slug) + '/events/' + enc(e.id), fmtTime(e.received_at), 'Event ' + e.id)),
          h('td', { text: e.provider }), h('td', { text: e.topic || '' }), h('td', {}, badge(e.status)),
          h('td', { text: e.size_bytes }), h('td', { text: e.error || '' }));
      });
      var listed = function (cursor) {
        return tenantHref(slug) + '/events' + query({ status: filter.status, provider: filter.provider,
          topic: filter.topic, received_after: filter.received_after, received_before: filter.received_before,
          q: filter.q, limit: params.get('limit') ? size : null, cursor: cursor });
      };
      fill(list, 
        page.scan_limited ? h('p', { class: 'warn', text: 'The text search stopped at its scan limit: narrow the time ' +
          'range to search further back.' }) : null,
        rows.length ? h('table', { id: 'events-table' }, h('thead', {}, h('tr', {}, ['Received', 'Provider', 'Topic',
          'Status', 'Bytes', 'Error'].map(function (c) { return h('th', { scope: 'col', text: c }); }))),
          h('tbody', {}, rows)) : h('p', { id: 'no-events', text: 'No event matches.' }),
        pager('Pages of events', listed(null), listed, params.get('cursor'), page.next_cursor));
    }, function (e) { failure(list, e, 'The events'); });
  }

  function bulkPanel(base, slug, filter) {
    var box = h('section', { class: 'card', id: 'bulk', 'aria-label': 'Dead events: replay or discard in bulk' },
      h('h2', { text: 'Dead events matching this filter' }),
      h('p', { class: 'muted', text: 'Counts the dead events of this provider, topic, time range and text match (the ' +
        'status filter is not part of it: only dead events are counted). Replay or discard then acts on exactly the ' +
        'events counted, or on none.' }));
    var out = h('div', { id: 'bulk-out', role: 'status', 'aria-live': 'polite' });
    var count = h('button', { type: 'button', id: 'bulk-count', class: 'secondary', text: 'Count dead events' });
    var countFilter = { status: 'dead', provider: filter.provider, topic: filter.topic,
      received_after: filter.received_after, received_before: filter.received_before, q: filter.q };
    count.addEventListener('click', function () {
      fill(out, h('p', { class: 'muted', text: 'Counting…' }));
      get(base + '/events/count' + query(countFilter)).then(function (c) {
        var n = c.count;
        var replay = h('button', { type: 'button', id: 'bulk-replay', text: 'Replay these ' + n, disabled: n === 0 });
        var discard = h('button', { type: 'button', id: 'bulk-discard', class: 'danger', text: 'Discard these ' + n,
          disabled: n === 0 });
        var act = function (action) {
          var confirmBox = h('div', { class: 'row' },
            h('span', { class: 'warn', text: (action === 'discard' ? 'Discard' : 'Replay') + ' exactly ' + n +
              ' dead events?' }),
            h('button', { type: 'button', id: 'bulk-confirm', class: action === 'discard' ? 'danger' : '',
              text: 'Yes, ' + action + ' ' + n, onclick: function () { run(action); } }),
            h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: function () { confirmBox.remove(); } }));
          out.appendChild(confirmBox);
          confirmBox.querySelector('#bulk-confirm').focus();
        };
        var run = function (action) {
          var body = { status: 'dead', as_of: c.as_of, expected_count: n };
          ['provider', 'topic', 'received_after', 'received_before', 'q'].forEach(function (k) {
            if (countFilter[k]) body[k] = countFilter[k];
          });
          var progress = h('progress', { 'aria-label': action + ' in progress' });
          fill(out, h('p', {}, (action === 'discard' ? 'Discarding ' : 'Replaying ') + n + ' events… ', progress));
          api('POST', base + '/events/' + action, body).then(function (r) {
            fill(out, h('p', { class: 'ok', id: 'bulk-done', text: (action === 'discard' ? 'Discarded ' : 'Queued again ') +
              r.data.count + ' of the ' + n + ' events counted.' }), h('p', {}, link(tenantHref(slug) + '/events' +
              query(filter) + (query(filter) ? '&' : '?') + 'refresh=' + Date.now(), 'Refresh the list')));
            if (r.data.batch) replayProgress(box, base, r.data.batch, r.data.count);
          }, function (e) {
            var stale = e.problem && /stale-count$/.test(e.problem.type || '');
            fill(out, h('p', { class: 'error', id: 'bulk-error', text: stale
              ? 'The count changed since (now ' + ((e.problem.errors || [])[0] || {}).message + '): nothing was done. Count again.'
              : problemText(e) }));
          });
        };
        replay.addEventListener('click', function () { act('replay'); });
        discard.addEventListener('click', function () { act('discard'); });
        fill(out, h('p', {}, h('strong', { id: 'bulk-counted', text: String(n) }),
          ' dead events match, as of ' + fmtTime(c.as_of) + '.'), h('div', { class: 'row' }, replay, discard));
      }, function (e) { failure(out, e, 'Counting dead events'); });
    });
    box.append(h('div', { class: 'row' }, count), out);
    return box;
  }

  /** How often the progress of a bulk replay is asked for while the page shows it. */
  var REPLAY_POLL_MS = 2000;

  /**
   * The progress of a bulk replay (GET .../events/replays/{batch}): a progress bar of its events ended (processed,
   * skipped, dead or discarded) of those it queued again, and their counts, asked for every 2 s until none waits or
   * runs, or until the operator leaves the page (render() moves the generation on: the next tick stops there).
   */
  function replayProgress(box, base, batch, queued) {
    var gen = generation;
    var old = box.querySelector('#bulk-progress');
    if (old) old.remove();
    var bar = h('progress', { id: 'bulk-progress-bar', max: Math.max(queued, 1), value: 0 });
    var text = h('p', { id: 'bulk-progress-text', role: 'status', 'aria-live': 'polite',
      text: '0 of ' + queued + ' replayed events ended; waiting for the worker…' });
    var panel = h('div', { id: 'bulk-progress', 'data-done': 'false', 'data-batch': batch },
      h('label', { for: 'bulk-progress-bar', text: 'Progress of the replay of ' + queued + ' events' }), ' ', bar, text);
    box.appendChild(panel);
    var shown = '';
    var tick = function () {
      if (gen !== generation || !panel.isConnected) return;
      get(base + '/events/replays/' + enc(batch)).then(function (p) {
        if (gen !== generation || !panel.isConnected) return;
        var ended = p.processed + p.skipped + p.dead + (p.discarded || 0);
        bar.max = Math.max(p.count, 1);
        bar.value = ended;
        var parts = [p.processed + ' processed'];
        if (p.skipped) parts.push(p.skipped + ' skipped');
        parts.push(p.dead + ' dead');
        if (p.discarded) parts.push(p.discarded + ' discarded');
        parts.push(p.waiting + ' waiting', p.running + ' running');
        var line = (p.done ? 'Done: ' : '') + ended + ' of ' + p.count + ' replayed events ended: ' + parts.join(', ') +
          '.' + (p.count < queued ? ' ' + (queued - p.count) + ' of the ' + queued + ' queued are gone (past ' +
          'retention) or in a later replay.' : '');
        ['count', 'waiting', 'running', 'processed', 'skipped', 'dead'].forEach(function (k) {
          panel.setAttribute('data-' + k, String(p[k]));
        });
        // the text is a live region: rewritten only when it changes, so a screen reader hears each change once
        if (line !== shown) { text.textContent = line; shown = line; }
        if (p.done) {
          panel.setAttribute('data-done', 'true');
          if (p.dead) text.classList.add('warn'); else text.classList.add('ok');
          return;
        }
        setTimeout(tick, REPLAY_POLL_MS);
      }, function (e) {
        if (gen !== generation || !panel.isConnected) return;
        if (e instanceof ApiError && e.status === 401) return;
        text.className = 'error';
        text.textContent = 'The replay\'s progress: ' + problemText(e) + ' (reload the page to ask again).';
      });
    };
    tick();
  }

  var SENSITIVE = /(signature|secret|token|authorization|hmac|api[-_]?key|cookie|password)/i;

  function eventPage(view, params, slug, id) {
    var base = '/admin/tenants/' + enc(slug) + '/events/' + enc(id);
    view.appendChild(h('p', { text: 'Loading…' }));
    get(base).then(function (d) {
      var e = d.event || {};
      var result = h('div', { role: 'status', id: 'event-result' });
      var replay = h('button', { type: 'button', id: 'replay', text: 'Replay', onclick: function () {
        replay.disabled = true;
        api('POST', base + '/replay').then(function () {
          fill(result, h('p', { class: 'ok', text: 'Queued again.' }));
        }, function (err) { replay.disabled = false; fill(result, h('p', { class: 'error', text: problemText(err) })); });
      } });
      var discard = e.status === 'dead' || e.status === 'accepted' ? h('button', { type: 'button', class: 'danger',
        id: 'discard', text: 'Discard', onclick: function () {
          discard.disabled = true;
          api('POST', base + '/discard').then(function () {
            fill(result, h('p', { class: 'ok', text: 'Discarded.' }));
          }, function (err) { discard.disabled = false; fill(result, h('p', { class: 'error', text: problemText(err) })); });
        } }) : null;
      var headers = d.headers || {};
      var bodyView;
      if (d.body !== undefined && d.body !== null) {
        var pretty = d.body;
        try { pretty = JSON.stringify(JSON.parse(d.body), null, 2); } catch (ignored) { /* shown as it is */ }
        bodyView = h('pre', { id: 'event-body', tabindex: '0', 'aria-label': 'Body' }, pretty);
      } else if (d.body_base64) {
        bodyView = h('p', { text: 'The body is not UTF-8 (' + (e.size_bytes || '?') + ' bytes, base64 in the API).' });
      } else {
        bodyView = h('p', { class: 'muted', text: d.body_withheld ? 'The body is withheld: your token lacks the payloads scope.'
          : 'No body is kept.' });
      }
      var job = d.job;
      var note = d.note;
      var ticketUrl = note && note.ticket_url && /^https?:\/\//.test(note.ticket_url) ? note.ticket_url : null;
      fill(view, 
        h('h1', {}, 'Event ', h('code', { text: e.id }), ' ', badge(e.status)),
        h('p', {}, link(tenantHref(slug) + '/events', 'All events of ' + slug)),
        h('div', { class: 'row' }, replay, discard), result,
        h('section', { class: 'card', 'aria-label': 'Event' }, h('h2', { text: 'Event' }), kv([
          ['Provider', e.provider], ['Topic', e.topic], ['Received', fmtTime(e.received_at)],
          ['Processed', fmtTime(e.processed_at)], ['Delivery key', e.delivery_key], ['Size', e.size_bytes + ' bytes'],
          ['SHA-256', e.payload_sha256], ['Error', e.error]])),
        h('section', { class: 'card', 'aria-label': 'Job' }, h('h2', { text: 'Job' }), job ? kv([
          ['Status', job.status], ['Attempts', job.attempts + (job.max_attempts ? ' of ' + job.max_attempts : '')],
          ['Runs at', fmtTime(job.run_at)], ['Last upstream error', job.last_error]]) : h('p', { class: 'muted', text: 'No job.' })),
        h('section', { class: 'card', 'aria-label': 'Note', id: 'event-note' }, h('h2', { text: note && note.state === 'drafted'
          ? 'Note drafted, not posted (draft-only mode)' : 'Note posted' }), note ? [kv([
          ['State', note.state], ['Draft source', note.draft_source], ['Posted', fmtTime(note.posted_at)],
          ['Gorgias message', note.upstream_message_id], ['Ticket', note.ticket_id], ['Error', note.error]]),
          ticketUrl ? h('p', {}, h('a', { href: ticketUrl, rel: 'noopener noreferrer', target: '_blank',
            text: 'Open ticket ' + (note.ticket_id || '') + ' in Gorgias' })) : null,
          note.body_text ? h('pre', { id: 'note-body', tabindex: '0', 'aria-label': 'Note text', text: note.body_text }) : null] : h('p', { class: 'muted', text: 'No note was drafted.' })),
        h('section', { class: 'card', 'aria-label': 'Headers' }, h('h2', { text: 'Headers' }),
          h('table', { id: 'event-headers' }, h('tbody', {}, Object.keys(headers).map(function (k) {
            return h('tr', {}, h('th', { scope: 'row', text: k }),
              h('td', { text: SENSITIVE.test(k) ? '****' : headers[k] }));
          })))),
        h('section', { class: 'card', 'aria-label': 'Body' }, h('h2', { text: 'Body' }), bodyView));
    }, function (err) {
      if (err instanceof ApiError && err.status === 404) {
        fill(view, h('h1', { text: 'No such event' }), h('p', {}, link(tenantHref(slug) + '/events', 'Events of ' + slug)));
      } else failure(view, err, 'The event');
    });
  }

  function kv(pairs) {
    var dl = h('dl', { class: 'kv' });
    pairs.forEach(function (p) {
      if (p[1] === null || p[1] === undefined || p[1] === '') return;
      dl.append(h('dt', { text: p[0] }), h('dd', { text: p[1] }));
    });
    return dl;
  }

  // ---- Audit log ---------------------------------------------------------------------------------------------

  function auditPage(view, params) {
    var f = { actor: text('actor', 'text', { value: params.get('actor') || '' }),
      action: text('action', 'text', { value: params.get('action') || '' }),
      tenant: text('tenant', 'text', { value: params.get('tenant') || '' }),
      after: text('after', 'text', { value: params.get('after') || '', placeholder: '2026-12-01T00:00:00Z' }),
      before: text('before', 'text', { value: params.get('before') || '', placeholder: '2026-12-02T00:00:00Z' }) };
    var filter = { actor: params.get('actor'), action: params.get('action'), tenant: params.get('tenant'),
      after: params.get('after'), before: params.get('before') };
    var form = h('form', { role: 'search', 'aria-label': 'Filter the audit log', onsubmit: function (ev) {
      ev.preventDefault();
      navigate('#/audit' + query({ actor: f.actor.value.trim(), action: f.action.value.trim(), tenant: f.tenant.value.trim(),
        after: f.after.value.trim(), before: f.before.value.trim(), limit: params.get('limit') }));
    } }, h('div', { class: 'fields' }, field('au-actor', 'Operator (token name)', f.actor), field('au-action', 'Action', f.action),
      field('au-tenant', 'Tenant', f.tenant), field('au-after', 'From (UTC)', f.after), field('au-before', 'Before (UTC)', f.before),
      h('button', { type: 'submit', text: 'Filter' })));
    var list = h('div', { text: 'Loading…' });
    view.append(h('h1', { text: 'Audit log' }), form, list);
    var q = {}; Object.keys(filter).forEach(function (k) { q[k] = filter[k]; });
    q.limit = pageSize(params, 50); q.cursor = params.get('cursor');
    get('/admin/audit' + query(q)).then(function (page) {
      var listed = function (cursor) {
        var r = {}; Object.keys(filter).forEach(function (k) { r[k] = filter[k]; });
        r.limit = params.get('limit') ? q.limit : null;
        r.cursor = cursor;
        return '#/audit' + query(r);
      };
      fill(list, page.items.length ? h('table', { id: 'audit-table' }, h('thead', {}, h('tr', {},
        ['When', 'Operator', 'Action', 'Tenant', 'Target', 'Outcome', 'Status'].map(function (c) {
          return h('th', { scope: 'col', text: c });
        }))), h('tbody', {}, page.items.map(function (a) {
          return h('tr', {}, h('td', { text: fmtTime(a.at) }), h('td', { text: a.token_name }), h('td', { text: a.action }),
            h('td', {}, a.tenant_slug ? link(tenantHref(a.tenant_slug), a.tenant_slug) : ''), h('td', { text: a.target || '' }),
            h('td', {}, badge(a.outcome === 'success' ? 'ok' : a.outcome)), h('td', { text: a.status }));
        }))) : h('p', { text: 'No entry matches.' }),
        pager('Pages of the audit log', listed(null), listed, params.get('cursor'), page.next_cursor));
    }, function (e) { failure(list, e, 'The audit log'); });
  }

  render();
}());
