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

/**
 * The session's first answer, asked for while the wasm downloads and handed to the widget, which
 * reads it exactly as it would have read its own request (same URL and headers).
 */
function prefetchSession(options) {
  if (!options.session) return {};
  const base = (options.apiBase || '').replace(/\/+$/, '');
  const prefetchedUrl = `${base}/api/sessions/${encodeURIComponent(options.session)}`;
  const prefetched = fetch(prefetchedUrl, { headers: { Accept: 'application/json' } });
  prefetched.catch(() => {}); // the widget asks again
  return { prefetched, prefetchedUrl };
}

/**
 * Mounts the checkout into `element`.
 * @param {HTMLElement} element
 * @param {{session: string, locale?: 'kk'|'ru'|'en', apiBase?: string, display?: 'modal'|'embedded'|'redirect'}} options
 * @returns {Promise<{unmount(): void}>}
 */
export async function mount(element, options) {
  const prefetch = prefetchSession(options || {});
  const module = await ready;
  return module.mount(element, { ...options, ...prefetch });
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
      locale: this.getAttribute('locale') || undefined,
      apiBase: this.getAttribute('api-base') || undefined,
      display: this.getAttribute('display') || undefined,
    };
    if (!options.session) return;
    const key = JSON.stringify(options);
    if (key === this.mountedWith) return;
    this.mountedWith = key;
    const prefetch = prefetchSession(options);
    ready.then((module) => {
      if (!this.isConnected || this.mountedWith !== key) return;
      this.unmountWidget();
      this.handle = module.mount(this, { ...options, ...prefetch });
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
