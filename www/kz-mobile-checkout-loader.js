// The one script a merchant page adds: <script type="module" src=".../kz-mobile-checkout-loader.js">.
// It loads the WebAssembly once, defines <kz-mobile-checkout session="…" locale="kk|ru|en"
// api-base="…">, and re-exports `mount` for pages that prefer code. No inline script or style is
// needed, so it runs under a strict Content-Security-Policy.
import init, { mount as mountWasm } from './kz-mobile-checkout.js';

const ready = init({ module_or_path: new URL('./kz-mobile-checkout_bg.wasm', import.meta.url) });

/**
 * Mounts the checkout into `element`.
 * @param {HTMLElement} element
 * @param {{session: string, locale?: 'kk'|'ru'|'en', apiBase?: string, display?: 'modal'|'embedded'|'redirect'}} options
 * @returns {Promise<{unmount(): void}>}
 */
export async function mount(element, options) {
  await ready;
  return mountWasm(element, options);
}

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
    ready.then(() => {
      if (!this.isConnected || this.mountedWith !== key) return;
      this.unmountWidget();
      this.handle = mountWasm(this, options);
    }, (error) => {
      this.dispatchEvent(new CustomEvent('error', { detail: { code: 'load_failed', stage: 'load', message: String(error) }, bubbles: true, composed: true }));
    });
  }
}

if (!customElements.get('kz-mobile-checkout')) customElements.define('kz-mobile-checkout', KzMobileCheckout);

export { ready };
