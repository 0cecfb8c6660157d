// The demo shop's page script. A real shop's server creates the checkout session with its admin
// token; this demo asks the backend's demo-only endpoint (`--demo-shop`) instead.
const checkout = document.getElementById('checkout');
const events = document.getElementById('events');
const params = new URLSearchParams(location.search);
let locale = params.get('locale') || 'ru';
const mode = params.get('mode') || 'mobile';
if (params.get('display')) checkout.setAttribute('display', params.get('display'));

/** A new checkout session for the current mode, remembered for reloads with its sandbox links. */
async function newSession() {
  const response = await fetch('/demo/sessions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ amount: 1299000, methods: [mode] }),
  });
  const created = await response.json();
  sessionStorage.setItem(`demo-session-${mode}`, JSON.stringify(created));
  return created;
}

function show(created) {
  document.getElementById('inbox').href = created.sandbox_inbox;
  document.getElementById('sandbox').href = created.sandbox;
  checkout.setAttribute('session', created.session);
}

function setLocale(next) {
  locale = next;
  // Kept in the address, so a reload (or a shared link) comes back in the chosen language.
  const here = new URL(location.href);
  if (here.searchParams.get('locale') !== next) {
    here.searchParams.set('locale', next);
    history.replaceState(null, '', here);
  }
  document.documentElement.lang = next;
  checkout.setAttribute('locale', next);
  for (const button of document.querySelectorAll('[data-locale]')) {
    button.setAttribute('aria-pressed', String(button.dataset.locale === next));
  }
}

for (const button of document.querySelectorAll('[data-locale]')) {
  button.addEventListener('click', () => setLocale(button.dataset.locale));
}

for (const button of document.querySelectorAll('[data-mode]')) {
  button.setAttribute('aria-pressed', String(button.dataset.mode === mode));
  button.addEventListener('click', () => {
    const next = new URL(location.href);
    next.searchParams.set('mode', button.dataset.mode);
    next.searchParams.set('locale', locale);
    location.assign(next);
  });
}

// The section is named for what the customer does in this mode.
const titles = { mobile: 'Pay by phone', payment_page: 'Pay on the payment page', cash_in: 'Pay in cash at a terminal', payout: 'Receive money to your phone' };
document.getElementById('pay-title').textContent = titles[mode] || titles.mobile;

const terminal = document.getElementById('terminal');
terminal.hidden = mode !== 'cash_in';
terminal.addEventListener('click', () => fetch('/demo/terminal', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ amount: 500000 }) }));

document.getElementById('new-order').addEventListener('click', async () => show(await newSession()));

for (const name of ['ready', 'change', 'submit', 'otp-required', 'success', 'decline', 'error', 'payment-page']) {
  checkout.addEventListener(name, (event) => {
    if (name === 'change') return;
    const item = document.createElement('li');
    item.textContent = `${name} ${JSON.stringify(event.detail)}`;
    events.prepend(item);
  });
}

// A reload keeps the session, and so resumes the payment in progress.
setLocale(locale);
const kept = sessionStorage.getItem(`demo-session-${mode}`);
show(kept ? JSON.parse(kept) : await newSession());
