// The one script a merchant page adds: <script type="module" src=".../kz-mobile-checkout-loader.js">.
// It loads the WebAssembly once, defines <kz-mobile-checkout session="…" locale="kk|ru|en"
// api-base="…">, and re-exports `mount` for pages that prefer code. No inline script or style is
// needed, so it runs under a strict Content-Security-Policy.
//
// Integrity (PCI DSS 6.4.3): the release build writes the sha384 of the JS glue and of the wasm
// into PINNED below (scripts/pin-dist.mjs), so a merchant who pins this file with
// `<script integrity=…>` pins everything it runs. A file that does not match is never run: the
// widget is not drawn and the element sends the `error` event with code `load_failed`. A debug
// build leaves the placeholders, which pin nothing.
//
// Start-up: the glue, the wasm and the session's first answer are all requested at once, not one
// after another; the widget draws its first screen as soon as the three are there.
const PINNED = { glue: '@@KZC_GLUE_SHA384@@', wasm: '@@KZC_WASM_SHA384@@' };
const pinned = (hash) => (hash.startsWith('sha384-') ? hash : '');

const glueUrl = new URL('./kz-mobile-checkout.js', import.meta.url).href;
const wasmUrl = new URL('./kz-mobile-checkout_bg.wasm', import.meta.url).href;

/** Why the widget did not load, said to the merchant (the `error` event's `message`). */
const failure = (file, hash) => new Error(`${file}: not downloaded${hash ? ` or not matching its integrity ${hash}; not run` : ''}`);

// The glue is an ES module; `import()` takes no integrity, so a <script type="module"> with
// `integrity` loads it first and the `import()` after it gets the same, verified, module (the
// browser keeps one module per URL). `import()` is never reached when the check fails.
const glue = new Promise((resolve, reject) => {
  const script = document.createElement('script');
  script.type = 'module';
  script.crossOrigin = 'anonymous';
  script.integrity = pinned(PINNED.glue);
  script.src = glueUrl;
  script.onload = () => resolve(import(glueUrl));
  script.onerror = () => reject(failure('kz-mobile-checkout.js', pinned(PINNED.glue)));
  document.head.append(script);
});
// The browser checks a fetch's integrity before it hands over the body.
const wasm = fetch(wasmUrl, { integrity: pinned(PINNED.wasm), credentials: 'same-origin' }).then(
  (response) => (response.ok ? response : Promise.reject(failure('kz-mobile-checkout_bg.wasm'))),
  () => Promise.reject(failure('kz-mobile-checkout_bg.wasm', pinned(PINNED.wasm))),
);
wasm.catch(() => {}); // reported through `ready`
const ready = glue.then(async (module) => {
  await module.default({ module_or_path: wasm });
  return module;
});

// The page's User Timing marks (README "Start-up marks"): the first screen the customer can use,
// and the widget running (the wasm marks that one).
const FIRST_SCREEN_MARK = 'kz-mobile-checkout:first-screen';

/** The language the widget will speak: the given one, else the browser's first of kk/ru/en, else ru (as the wasm decides). */
function localeOf(given) {
  for (const tag of [given, ...(navigator.languages || [navigator.language])]) {
    const primary = String(tag || '').trim().split(/[-_]/)[0].toLowerCase();
    if (primary === 'kk' || primary === 'ru' || primary === 'en') return primary;
  }
  return 'ru';
}

/** The first screen the backend drew, already inside `element` (the shop's page put it there, or this loader did). */
const drawnIn = (element) => element && element.querySelector(':scope > [data-drawn]');

/**
 * Marks the first screen once per element. One that came with the page was drawn at the page's
 * first contentful paint, whose entry may come after this runs: it is waited for (where the
 * browser has paint timing; else now).
 */
function markFirstScreen(element, withThePage) {
  if (element.kzcFirstScreenMarked) return;
  element.kzcFirstScreenMarked = true;
  const mark = (startTime) => performance.mark(FIRST_SCREEN_MARK, { startTime });
  if (!withThePage || !(PerformanceObserver.supportedEntryTypes || []).includes('paint')) return mark(performance.now());
  const observer = new PerformanceObserver((list) => {
    const paint = list.getEntriesByName('first-contentful-paint')[0];
    if (paint) {
      observer.disconnect();
      mark(paint.startTime);
    }
  });
  observer.observe({ type: 'paint', buffered: true });
}

/**
 * Hands the first screen the backend drew over to the widget's own as soon as the widget has
 * built it (a mutation callback: in the same turn, before the browser paints, so the two are never
 * both in the page for anyone to see or find): what the customer typed goes in through the
 * widget's own input handling (so it is formatted as the widget formats it), the operator through
 * the widget's own radio, the focus and caret where they were. Until then the stylesheet hides the
 * widget (`[data-drawn] ~ .kzc-root`): nothing moves.
 */
function handOver(element) {
  const carry = (drawn, root) => {
    const [was, chosen, focused] = [drawn.querySelector('input[type=tel]'), drawn.querySelector('input[type=radio]:checked'), document.activeElement];
    const caret = focused === was ? was.selectionStart : null;
    const focusedRadio = focused && focused.type === 'radio' && drawn.contains(focused) ? focused.value : null;
    drawn.remove();
    const phone = root.querySelector('input[type=tel]');
    if (!phone) return; // another first screen (a payment resumed, a failed load): nothing to carry over
    if (caret !== null) phone.focus();
    if (was.value) {
      phone.value = was.value;
      phone.setSelectionRange(caret ?? was.value.length, caret ?? was.value.length);
      phone.dispatchEvent(new Event('input', { bubbles: true }));
    }
    const radio = (value) => value && root.querySelector(`input[type=radio][value="${CSS.escape(value)}"]`);
    const picked = radio(chosen && chosen.value);
    if (picked) {
      picked.checked = true;
      picked.dispatchEvent(new Event('change', { bubbles: true }));
    }
    if (radio(focusedRadio)) radio(focusedRadio).focus();
  };
  const observer = new MutationObserver(() => {
    const drawn = drawnIn(element);
    if (!drawn) return observer.disconnect();
    // Built: past loading, and a form's phone field in place.
    const root = element.querySelector(':scope > .kzc-root:not([data-drawn])');
    const screen = root && root.dataset.screen;
    if (!screen || screen === 'loading' || (screen === 'form' && !root.querySelector('input[type=tel]'))) return;
    observer.disconnect();
    carry(drawn, root);
  });
  observer.observe(element, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-screen'] });
}

/**
 * The session's first answer, asked for while the wasm downloads and handed to the widget, which
 * reads it exactly as it would have read its own request. Unless the element already holds a first
 * screen (or says `first-screen="none"`), the same request asks for the first screen drawn by the
 * backend, which is put in the element at once: the customer can type before the wasm has run.
 */
function prefetchSession(options, element) {
  if (!options.session) return {};
  const base = (options.apiBase || '').replace(/\/+$/, '');
  const prefetchedUrl = `${base}/api/sessions/${encodeURIComponent(options.session)}`;
  const draw = element && !drawnIn(element) && element.getAttribute('first-screen') !== 'none';
  const url = draw ? `${prefetchedUrl}?first_screen=${options.locale}` : prefetchedUrl;
  const prefetched = fetch(url, { headers: { Accept: 'application/json' } });
  prefetched.catch(() => {}); // the widget asks again
  if (draw) {
    prefetched
      .then((response) => (response.ok ? response.clone().json() : null))
      .then((answer) => {
        // Not once the widget runs, nor for a session the element no longer shows.
        if (!answer || !answer.first_screen_html || element.handle || element.getAttribute('session') !== options.session || drawnIn(element)) return;
        element.insertAdjacentHTML('afterbegin', answer.first_screen_html);
        markFirstScreen(element, false);
      })
      .catch(() => {}); // the widget draws its own
  }
  return { prefetched, prefetchedUrl };
}

/**
 * Mounts the checkout into `element`.
 * @param {HTMLElement} element
 * @param {{session: string, locale?: 'kk'|'ru'|'en', apiBase?: string, display?: 'modal'|'embedded'|'redirect'}} options
 * @returns {Promise<{unmount(): void}>}
 */
export async function mount(element, options) {
  const resolved = { ...options, locale: localeOf(options && options.locale) };
  const prefetch = prefetchSession(resolved, null);
  const module = await ready;
  const handle = module.mount(element, { ...resolved, ...prefetch });
  if (drawnIn(element)) handOver(element);
  return handle;
}

// Shown by the element when the widget could not load; the widget's own texts live in the wasm.
const LOAD_FAILED = {
  kk: 'Төлем формасы жүктелмеді. Бетті қайта жүктеп көріңіз.',
  ru: 'Не удалось загрузить форму оплаты. Обновите страницу.',
  en: 'The payment form could not be loaded. Please reload the page.',
};

class KzMobileCheckout extends HTMLElement {
  static get observedAttributes() {
    return ['session', 'locale', 'api-base', 'display'];
  }

  connectedCallback() {
    this.render();
  }

  attributeChangedCallback() {
    if (this.isConnected) this.render();
  }

  disconnectedCallback() {
    this.unmountWidget();
  }

  unmountWidget() {
    if (this.handle) {
      this.handle.unmount();
      this.handle = null;
    }
  }

  render() {
    const options = {
      session: this.getAttribute('session') || '',
      // Decided here, not in the wasm, so the first screen is drawn in the widget's language.
      locale: localeOf(this.getAttribute('locale')),
      apiBase: this.getAttribute('api-base') || undefined,
      display: this.getAttribute('display') || undefined,
    };
    if (!options.session) return;
    const key = JSON.stringify(options);
    if (key === this.mountedWith) return;
    // Another session: a first screen drawn for the one before is not this one's.
    if (this.mountedWith && JSON.parse(this.mountedWith).session !== options.session) drawnIn(this)?.remove();
    this.mountedWith = key;
    if (drawnIn(this)) markFirstScreen(this, true);
    const prefetch = prefetchSession(options, this);
    ready.then((module) => {
      if (!this.isConnected || this.mountedWith !== key) return;
      this.unmountWidget();
      this.handle = module.mount(this, { ...options, ...prefetch });
      if (drawnIn(this)) handOver(this);
    }, (error) => {
      if (this.mountedWith !== key) return;
      const locale = (options.locale || document.documentElement.lang || navigator.language || 'ru').slice(0, 2);
      const text = document.createElement('p');
      text.className = 'kzc-load-failed';
      text.setAttribute('role', 'alert');
      text.textContent = LOAD_FAILED[locale] || LOAD_FAILED.ru;
      this.replaceChildren(text);
      this.dispatchEvent(new CustomEvent('error', { detail: { code: 'load_failed', stage: 'load', message: String(error.message || error) }, bubbles: true, composed: true }));
    });
  }
}

if (!customElements.get('kz-mobile-checkout')) customElements.define('kz-mobile-checkout', KzMobileCheckout);

export { ready };
