// The demo shop's page script. A real shop's server creates the checkout session with its admin
// token; this demo asks the backend's demo-only endpoint (`--demo-shop`) instead.
//
// Its address takes `?mode=mobile|payment_page|cash_in|payout`, `&locale=kk|ru|en` and
// `&display=inline|modal` (README, "The demo shop").

/** The shop's own text in each language (the widget has its own). */
const TEXT = {
  kk: {
    title: 'Демо-дүкен: телефонмен төлеу', shop: 'Демо-дүкен', language: 'Тіл', checkout: 'Тапсырысты рәсімдеу', order: 'Сіздің тапсырысыңыз',
    earbuds: 'Сымсыз құлаққап', case: 'Телефон қабы', total: 'Барлығы', modes: 'Төлем тәсілі',
    mode_mobile: 'Телефон және код', mode_payment_page: 'Төлем беті', mode_cash_in: 'Терминалда қолма-қол', mode_payout: 'Қаражат алу',
    pay_mobile: 'Телефонмен төлеу', pay_payment_page: 'Төлем бетінде төлеу', pay_cash_in: 'Терминалда қолма-қол төлеу', pay_payout: 'Телефонға ақша алу',
    help_code: 'Құмсалғыш: код мына жерге келеді:', help_inbox: 'SMS кіріс жәшігі',
    help_numbers: 'Сынақ нөмірлері, мысалы +7 700 000 00 00 (коды 123456) немесе +7 700 000 00 01 (бас тарту), мына бетте:',
    help_sandbox: 'құмсалғыш беті', help_payments: 'төлемдер мен олардың колбэктері мына бетте:', help_developer: 'әзірлеуші беті',
    new_order: 'Жаңа тапсырыс', terminal: (amount) => `Терминалда ${amount} төлеу (имитация)`, events: 'Виджет оқиғалары',
  },
  ru: {
    title: 'Демо-магазин: оплата с телефона', shop: 'Демо-магазин', language: 'Язык', checkout: 'Оформление заказа', order: 'Ваш заказ',
    earbuds: 'Беспроводные наушники', case: 'Чехол для телефона', total: 'Итого', modes: 'Способ оплаты',
    mode_mobile: 'Телефон и код', mode_payment_page: 'Платёжная страница', mode_cash_in: 'Наличными в терминале', mode_payout: 'Выплата',
    pay_mobile: 'Оплата с телефона', pay_payment_page: 'Оплата на платёжной странице', pay_cash_in: 'Оплата наличными в терминале', pay_payout: 'Получение денег на телефон',
    help_code: 'Песочница: код приходит во', help_inbox: 'входящие SMS',
    help_numbers: 'Тестовые номера, например +7 700 000 00 00 (код 123456) или +7 700 000 00 01 (отказ), перечислены на',
    help_sandbox: 'странице песочницы', help_payments: 'платежи и их колбэки видны на', help_developer: 'странице разработчика',
    new_order: 'Новый заказ', terminal: (amount) => `Оплатить ${amount} в терминале (имитация)`, events: 'События виджета',
  },
  en: {
    title: 'Demo shop: pay by phone', shop: 'Demo shop', language: 'Language', checkout: 'Checkout', order: 'Your order',
    earbuds: 'Wireless earbuds', case: 'Phone case', total: 'Total', modes: 'Checkout mode',
    mode_mobile: 'Phone and code', mode_payment_page: 'Payment Page', mode_cash_in: 'Cash at a terminal', mode_payout: 'Payout',
    pay_mobile: 'Pay by phone', pay_payment_page: 'Pay on the payment page', pay_cash_in: 'Pay in cash at a terminal', pay_payout: 'Receive money to your phone',
    help_code: 'Sandbox: the code arrives in the', help_inbox: 'SMS inbox',
    help_numbers: 'Test numbers such as +7 700 000 00 00 (code 123456) or +7 700 000 00 01 (declined) are listed on the',
    help_sandbox: 'sandbox page', help_payments: 'payments and their callbacks are on the', help_developer: 'developer page',
    new_order: 'New order', terminal: (amount) => `Simulate a terminal payment of ${amount}`, events: 'Widget events',
  },
};

/** Tenge as the widget writes it: `12 990,00 ₸` (kk, ru) or `₸12,990.00` (en). */
function tenge(minor, lang) {
  const [group, decimal] = lang === 'en' ? [',', '.'] : ['\u00a0', ','];
  const whole = String(Math.floor(minor / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, group);
  const text = `${whole}${decimal}${String(minor % 100).padStart(2, '0')}`;
  return lang === 'en' ? `₸${text}` : `${text}\u00a0₸`;
}

/** The cash a simulated terminal pays in, in minor units. */
const TERMINAL_AMOUNT = 500000;

const checkout = document.getElementById('checkout');
const events = document.getElementById('events');
const params = new URLSearchParams(location.search);
let locale = TEXT[params.get('locale')] ? params.get('locale') : 'ru';
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
  document.getElementById('developer').href = `${created.sandbox}/sandbox/developer`;
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
  const text = TEXT[next];
  document.title = text.title;
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = text[element.dataset.i18n];
  for (const element of document.querySelectorAll('[data-i18n-label]')) element.setAttribute('aria-label', text[element.dataset.i18nLabel]);
  for (const element of document.querySelectorAll('[data-amount]')) element.textContent = tenge(Number(element.dataset.amount), next);
  document.getElementById('pay-title').textContent = text[`pay_${mode}`] || text.pay_mobile;
  document.getElementById('terminal').textContent = text.terminal(tenge(TERMINAL_AMOUNT, next));
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

const terminal = document.getElementById('terminal');
terminal.hidden = mode !== 'cash_in';
terminal.addEventListener('click', () => {
  const body = { session: checkout.getAttribute('session'), amount: TERMINAL_AMOUNT };
  fetch('/demo/terminal', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
});

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
