// The one script a merchant page adds: <script type="module" src=".../kz-mobile-checkout-loader.js">.
// It loads the WebAssembly once, defines <kz-mobile-checkout>, and re-exports `mount` for pages
// that prefer code. No inline script or style is needed, so it runs under a strict CSP.
import init, { mount as mountWasm } from './kz-mobile-checkout.js';

const ready = init({ module_or_path: new URL('./kz-mobile-checkout_bg.wasm', import.meta.url) });

/** Mounts the checkout into `element`; resolves to a handle with `unmount()`. */
export async function mount(element, options = {}) {
  await ready;
  return mountWasm(element, options.locale ?? null);
}

class KzMobileCheckout extends HTMLElement {
  connectedCallback() {
    if (this._handle) return;
    ready.then(() => {
      if (this.isConnected && !this._handle) this._handle = mountWasm(this, this.getAttribute('locale'));
    });
  }

  disconnectedCallback() {
    if (this._handle) {
      this._handle.unmount();
      this._handle = null;
    }
  }
}

if (!customElements.get('kz-mobile-checkout')) customElements.define('kz-mobile-checkout', KzMobileCheckout);

export { ready };
