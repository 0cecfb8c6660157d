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
    fulfilment: 'Дүкендегі тапсырыс', webhooks: 'Алынған вебхуктар',
    fulfilment_help: 'Дүкен тапсырысты браузердегі виджет оқиғаларынан емес, тек сервері қолтаңбасын тексерген вебхук бойынша орындайды.',
    status_open: 'Төлем күтілуде', status_paid: 'Төленді: дүкен серверіне қолтаңбасы тексерілген вебхук келді',
    status_paid_out: 'Қаражат жіберілді: дүкен серверіне қолтаңбасы тексерілген вебхук келді',
    verified: 'қолтаңба тексерілді', refused: 'қолтаңба қабылданбады', no_webhooks: 'Әзірге жоқ',
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
    fulfilment: 'Заказ в магазине', webhooks: 'Полученные вебхуки',
    fulfilment_help: 'Магазин выполняет заказ только по вебхуку, подпись которого проверил его сервер, а не по событиям виджета в браузере.',
    status_open: 'Ожидает оплаты', status_paid: 'Оплачен: сервер магазина получил вебхук с проверенной подписью',
    status_paid_out: 'Выплачено: сервер магазина получил вебхук с проверенной подписью',
    verified: 'подпись проверена', refused: 'подпись отклонена', no_webhooks: 'Пока нет',
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
    fulfilment: "The shop's order", webhooks: 'Webhooks received',
    fulfilment_help: "The shop fulfils the order only from a webhook whose signature its server verified, never from the widget's events in the browser.",
    status_open: 'Awaiting payment', status_paid: "Paid: the shop's server received a webhook with a verified signature",
    status_paid_out: "Paid out: the shop's server received a webhook with a verified signature",
    verified: 'signature verified', refused: 'signature refused', no_webhooks: 'None yet',
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

/** The order shown: its session, as the shop's server last told it (`GET /demo/orders/{session}`). */
let order = null;

/** The shop's view of the order, in the page's language: paid only from verified webhooks. */
function renderOrder() {
  const text = TEXT[locale];
  const status = document.getElementById('order-status');
  const state = order ? order.status : 'open';
  status.dataset.status = state;
  const said = text[`status_${state}`] || text.status_open;
  // Written only when it changes: the status region is announced on every change.
  if (status.textContent !== said) status.textContent = said;
  const list = document.getElementById('webhooks');
  list.replaceChildren();
  const received = order ? order.webhooks : [];
  if (received.length === 0) {
    const none = document.createElement('li');
    none.textContent = text.no_webhooks;
    list.append(none);
  }
  for (const webhook of received) {
    const item = document.createElement('li');
    const kind = document.createElement('code');
    kind.textContent = webhook.type || '?';
    const id = document.createElement('code');
    id.textContent = webhook.event_id || '?';
    const verdict = document.createElement('span');
    verdict.textContent = webhook.verified ? text.verified : text.refused;
    if (!webhook.verified) verdict.className = 'refused';
    item.append(kind, ' ', id, ' — ', verdict);
    list.append(item);
  }
}

/** Asks the shop's server where the order stands. */
async function refreshOrder() {
  const session = checkout.getAttribute('session');
  if (!session) return;
  try {
    const response = await fetch(`/demo/orders/${encodeURIComponent(session)}`);
    if (!response.ok) return;
    const next = await response.json();
    if (next.session !== checkout.getAttribute('session')) return;
    if (JSON.stringify(next) !== JSON.stringify(order)) {
      order = next;
      renderOrder();
    }
  } catch {
    // Offline for a moment: the next poll asks again.
  }
}

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
  // The order's address: another tab (or the customer coming back) opens the same order.
  const here = new URL(location.href);
  if (here.searchParams.get('order') !== created.session) {
    here.searchParams.set('order', created.session);
    history.replaceState(null, '', here);
  }
  order = null;
  renderOrder();
  refreshOrder();
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
  renderOrder();
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
    next.searchParams.delete('order');
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
    // Only a hint to ask the shop's server sooner: the widget's word is never the order's status.
    refreshOrder();
  });
}

/** The order named in the address (`?order=`), if the shop's server knows it. */
async function namedOrder() {
  const named = params.get('order');
  if (!named) return null;
  const response = await fetch(`/demo/orders/${encodeURIComponent(named)}`).catch(() => null);
  return response && response.ok ? response.json() : null;
}

// The shop's server wrote the order's session (and its first screen) into the page; without
// it (the page opened as a file) a reload keeps the session, and `?order=` opens that order.
setLocale(locale);
const written = checkout.getAttribute('session');
const sandbox = checkout.dataset.sandbox;
const kept = sessionStorage.getItem(`demo-session-${mode}`);
show(written
  ? { session: written, sandbox, sandbox_inbox: `${sandbox}/sandbox/inbox` }
  : (await namedOrder()) || (kept ? JSON.parse(kept) : await newSession()));
setInterval(refreshOrder, 1000);
