// Types of the checkout's embed API: `mount`, the <kz-mobile-checkout> element, and the DOM
// events it dispatches on its host element (they bubble and cross shadow roots).

/** The widget's languages. */
export type Locale = 'kk' | 'ru' | 'en';

/** How the hosted Payment Page opens. */
export type PaymentPageDisplay = 'modal' | 'embedded' | 'redirect';

/** Options of `mount`. */
export interface MountOptions {
  /** The checkout session token your server created (`POST /admin/sessions`). */
  session: string;
  /** The language; else the browser's languages, else Russian. */
  locale?: Locale;
  /** The merchant backend's origin, when it is not the page's own. */
  apiBase?: string;
  /** How the Payment Page opens (Payment Page sessions). */
  display?: PaymentPageDisplay;
}

/** A mounted widget. */
export interface CheckoutHandle {
  /** Removes the widget and frees everything it holds. */
  unmount(): void;
}

/** Mounts the checkout into `element`, once the WebAssembly has loaded. A first screen the backend
 * drew (`first_screen_html`) already inside `element` is handed over to the widget's own. */
export function mount(element: HTMLElement, options: MountOptions): Promise<CheckoutHandle>;

/** Resolves once the WebAssembly has loaded. */
export const ready: Promise<unknown>;

/** `ready`: the session loaded. */
export interface ReadyDetail {
  merchant_name: string;
  /** Minor units. */
  amount: number;
}

/** `change`: the phone or the operator changed. */
export interface ChangeDetail {
  phone_complete: boolean;
  operator: string | null;
}

/** `submit`: the customer asked for the code, opened the Payment Page, or confirmed a payout. */
export interface SubmitDetail {
  operator: string;
  phone_masked?: string;
  method?: 'payment_page' | 'payout';
}

/** `otp-required`: the code screen is shown (again). */
export interface OtpRequiredDetail {
  payment_id: string;
  attempt: number;
  resends_left: number;
  /** RFC 3339. */
  otp_expires_at: string | null;
  last_error: 'wrong_code' | 'expired' | null;
  /** True when the code screen came back for a payment started before this page load. */
  resumed: boolean;
}

/** `success`: paid, a payout sent, or a cash deposit credited (`method: 'cash_in'`). */
export interface SuccessDetail {
  payment_id: string;
  /** Minor units. */
  amount: number;
  currency?: string;
  method?: 'cash_in';
}

/** `decline`: the operator or the platform declined. */
export interface DeclineDetail {
  payment_id: string;
  code: string | null;
  message: string | null;
}

/** `error`: something failed; `code` is the backend's stable code, or `network`, `unexpected_answer`, `script_load_failed`, `payment_page_failed`, `load_failed`. */
export interface ErrorDetail {
  code: string | null;
  stage: 'load' | 'start' | 'otp' | 'payment' | 'payment_page' | 'payout';
  payment_id?: string;
  /** For the merchant, never the customer: the backend's or the platform's message, the browser's network error, or what in an `unexpected_answer` did not fit the contract. */
  message: string | null;
}

/** `payment-page`: the hosted Payment Page reported a step. */
export interface PaymentPageDetail {
  message: 'loaded' | 'payment_sent' | 'payment_success' | 'payment_fail' | 'exit';
}

/** Every event of the widget and its `detail`. */
export interface CheckoutEventMap {
  ready: CustomEvent<ReadyDetail>;
  change: CustomEvent<ChangeDetail>;
  submit: CustomEvent<SubmitDetail>;
  'otp-required': CustomEvent<OtpRequiredDetail>;
  success: CustomEvent<SuccessDetail>;
  decline: CustomEvent<DeclineDetail>;
  error: CustomEvent<ErrorDetail>;
  'payment-page': CustomEvent<PaymentPageDetail>;
}

/** `<kz-mobile-checkout session="…" locale="kk|ru|en" api-base="…" display="modal|embedded|redirect" first-screen="none">`;
 * its content may be the backend's `first_screen_html` (README "The first screen with your page"). */
export interface KzMobileCheckoutElement extends HTMLElement {
  addEventListener<K extends keyof CheckoutEventMap>(
    type: K,
    listener: (this: KzMobileCheckoutElement, event: CheckoutEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof CheckoutEventMap>(
    type: K,
    listener: (this: KzMobileCheckoutElement, event: CheckoutEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'kz-mobile-checkout': KzMobileCheckoutElement;
  }
}
