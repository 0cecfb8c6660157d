// A merchant's page written against the shipped declarations; `make test` type-checks it with
// tsc (strict), so the declarations and the documented events stay usable.
import { mount, ready, type CheckoutHandle, type MountOptions } from 'kz-mobile-checkout';

const options: MountOptions = { session: 'cs_from_your_server', locale: 'kk', display: 'embedded' };

async function pay(into: HTMLElement): Promise<CheckoutHandle> {
  await ready;
  return mount(into, options);
}

const checkout = document.querySelector('kz-mobile-checkout');
if (checkout) {
  checkout.addEventListener('otp-required', (event) => {
    const left: number = event.detail.resends_left;
    const resumed: boolean = event.detail.resumed;
    console.log(left, resumed, event.detail.last_error ?? 'first code');
  });
  checkout.addEventListener('success', (event) => console.log(event.detail.payment_id, event.detail.amount));
  checkout.addEventListener('decline', (event) => console.log(event.detail.code));
  checkout.addEventListener('error', (event) => console.log(event.detail.stage, event.detail.code));
  checkout.addEventListener('payment-page', (event) => console.log(event.detail.message));
}

void pay(document.body).then((handle) => handle.unmount());
