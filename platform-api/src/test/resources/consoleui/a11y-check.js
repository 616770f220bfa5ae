// Run in the console's page by ConsoleBrowserTest (executeScript): WCAG 2.x checks of what the page shows now.
// arguments[0] is the check:
//   'contrast': every rendered element with text of its own (and every shown placeholder): the ratio of its colour to
//     its effective background (its own and its ancestors' background colours composited down to the first opaque
//     one, over a white canvas) must be at least 4.5:1, or 3:1 for large text (24px, or 18.66px bold). Disabled
//     controls are exempt (WCAG 1.4.3: inactive components).
//   'labels': every input, select and textarea has an accessible name from a label (label[for] or a wrapping label),
//     aria-label or aria-labelledby.
//   'focus': the focused element (document.activeElement) shows a focus indicator: a box-shadow, or an outline at
//     least 2px wide whose colour has 3:1 against the background around the element (WCAG 2.4.7, 1.4.11).
// Answers {checked: n, failures: [text...]} ('focus': {element, failure} or null when nothing is focused).
var check = arguments[0];

function parse(css) {
  var m = /^rgba?\(([^)]*)\)$/.exec(String(css).trim());
  if (!m) return null;
  var p = m[1].split(/[\s,\/]+/).filter(function (x) { return x !== ''; }).map(Number);
  return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
}

function over(top, bottom) {
  var a = top.a;
  return { r: top.r * a + bottom.r * (1 - a), g: top.g * a + bottom.g * (1 - a), b: top.b * a + bottom.b * (1 - a), a: 1 };
}

function background(el) {
  var layers = [];
  for (var e = el; e && e.nodeType === 1; e = e.parentElement) {
    var bg = parse(getComputedStyle(e).backgroundColor);
    if (bg && bg.a > 0) {
      layers.push(bg);
      if (bg.a >= 1) break;
    }
  }
  var c = { r: 255, g: 255, b: 255, a: 1 };
  for (var i = layers.length - 1; i >= 0; i--) c = over(layers[i], c);
  return c;
}

function luminance(c) {
  function channel(v) { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
  return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

function ratio(a, b) {
  var x = luminance(a), y = luminance(b);
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

function css(c) { return 'rgb(' + Math.round(c.r) + ', ' + Math.round(c.g) + ', ' + Math.round(c.b) + ')'; }

function describe(el) {
  var d = el.tagName.toLowerCase();
  if (el.id) d += '#' + el.id;
  var cls = el.getAttribute('class');
  if (cls) d += '.' + cls.trim().split(/\s+/).join('.');
  var t = (el.textContent || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ');
  return d + (t ? ' "' + t.substring(0, 40) + '"' : '');
}

function rendered(el) {
  return el.getClientRects().length > 0 && getComputedStyle(el).visibility === 'visible';
}

function contrast() {
  var failures = [], checked = 0;
  var test = function (el, fg, what) {
    var st = getComputedStyle(el);
    var bg = background(el);
    if (!fg) { failures.push(describe(el) + what + ': colour not understood: ' + st.color); return; }
    var size = parseFloat(st.fontSize);
    var large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
    var need = large ? 3 : 4.5;
    var r = ratio(over(fg, bg), bg);
    checked++;
    if (r < need - 1e-9) {
      failures.push(describe(el) + what + ': ' + r.toFixed(2) + ':1 < ' + need + ':1 (' + css(over(fg, bg)) + ' on '
        + css(bg) + ', ' + size + 'px' + (large ? ' large' : '') + ')');
    }
  };
  document.querySelectorAll('body *').forEach(function (el) {
    if (/^(script|style|noscript|option|title|template)$/i.test(el.tagName)) return;
    var own = Array.prototype.some.call(el.childNodes, function (n) {
      return n.nodeType === 3 && n.nodeValue.trim() !== '';
    });
    if (!own || !rendered(el) || el.closest(':disabled')) return;
    var st = getComputedStyle(el);
    test(el, parse(el instanceof SVGElement ? st.fill : st.color), '');
  });
  document.querySelectorAll('input[placeholder], textarea[placeholder]').forEach(function (el) {
    if (el.value || !el.getAttribute('placeholder') || !rendered(el) || el.disabled) return;
    test(el, parse(getComputedStyle(el, '::placeholder').color), ' (placeholder)');
  });
  return { checked: checked, failures: failures };
}

function labels() {
  var failures = [], checked = 0;
  document.querySelectorAll('input, select, textarea').forEach(function (el) {
    if (el.type === 'hidden') return;
    checked++;
    var name = '';
    Array.prototype.forEach.call(el.labels || [], function (l) { name += l.textContent.trim(); });
    name += (el.getAttribute('aria-label') || '').trim();
    (el.getAttribute('aria-labelledby') || '').split(/\s+/).forEach(function (id) {
      var by = id && document.getElementById(id);
      if (by) name += by.textContent.trim();
    });
    if (!name) failures.push(describe(el) + ' (name "' + (el.name || el.getAttribute('data-field') || '') + '") has no label');
  });
  return { checked: checked, failures: failures };
}

function focus() {
  var el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  var st = getComputedStyle(el);
  var width = parseFloat(st.outlineWidth) || 0;
  var failure = null;
  if (st.boxShadow === 'none' || !st.boxShadow) {
    if (st.outlineStyle === 'none' || width === 0) {
      failure = 'no focus indicator (outline ' + st.outlineStyle + ' ' + st.outlineWidth + ', box-shadow none)';
    } else if (width < 2) {
      failure = 'focus outline only ' + st.outlineWidth + ' wide';
    } else {
      var ring = parse(st.outlineColor);
      var around = background(el.parentElement || el);
      var r = ring ? ratio(over(ring, around), around) : 0;
      if (r < 3) {
        failure = 'focus outline ' + st.outlineColor + ' has ' + r.toFixed(2) + ':1 against ' + css(around) + ' (< 3:1)';
      }
    }
  }
  return { element: describe(el), visible: el.matches(':focus-visible'), failure: failure };
}

return check === 'contrast' ? contrast() : check === 'labels' ? labels() : focus();
