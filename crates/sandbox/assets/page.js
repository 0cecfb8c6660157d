/* The sandbox Payment Page: phone and operator, then the OTP, then the result. It reports each
   step to the merchant page (postMessage) so merchant.js can call the on… handlers. */
(function () {
  'use strict';
  var root = document.getElementById('page');
  var params = location.search.slice(1);
  var referrer = new URLSearchParams(params).get('_referrer') || '*';
  var framed = window.parent !== window;

  function post(message, data) {
    if (framed) window.parent.postMessage({ source: 'epay-sandbox', message: message, data: data || {} }, referrer);
  }
  function $(id) { return document.getElementById(id); }
  function show(id) {
    ['method', 'phone-step', 'otp-step', 'result'].forEach(function (s) { var e = $(s); if (e) e.hidden = s !== id; });
  }
  function api(path, body) {
    body.params = params;
    return fetch('/payment/api/' + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); });
  }
  function error(id, text) { var e = $(id); e.textContent = text || ''; }
  var deadline = 0, timer = null;
  function tick() {
    var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    $('countdown').textContent = Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0');
    $('resend').hidden = left > 0;
  }
  function startCountdown(seconds) {
    deadline = Date.now() + seconds * 1000;
    clearInterval(timer);
    timer = setInterval(tick, 500);
    tick();
  }
  function finish(status) {
    clearInterval(timer);
    show('result');
    var ok = status === 'success';
    $('result-text').textContent = ok ? root.dataset.success : root.dataset.declined;
    post(ok ? 'payment_success' : 'payment_fail', { payment_id: root.dataset.paymentId, status: status });
  }

  if (root.dataset.error) { post('payment_fail', { error: root.dataset.error }); return; }
  post('loaded', {});
  show(root.dataset.forced === '1' ? 'phone-step' : 'method');
  var choose = $('choose-mobile');
  if (choose) choose.addEventListener('click', function () { show('phone-step'); });

  $('phone-form').addEventListener('submit', function (event) {
    event.preventDefault();
    error('phone-error');
    api('start', { phone: $('phone').value, operator: $('operator').value }).then(function (r) {
      if (!r.ok) return error('phone-error', r.body.errors ? r.body.errors[0].message : r.body.message);
      post('payment_sent', { payment_id: root.dataset.paymentId });
      show('otp-step');
      startCountdown(r.body.otp_ttl_secs);
      $('otp').focus();
    });
  });
  $('otp-form').addEventListener('submit', function (event) {
    event.preventDefault();
    error('otp-error');
    api('otp', { code: $('otp').value }).then(function (r) {
      if (!r.ok) return error('otp-error', r.body.message);
      if (r.body.status === 'awaiting') {
        $('otp').value = '';
        return error('otp-error', r.body.reason === 'expired' ? root.dataset.expired : root.dataset.wrong);
      }
      finish(r.body.status);
    });
  });
  $('resend').addEventListener('click', function () {
    api('resend', {}).then(function (r) {
      if (!r.ok) return error('otp-error', r.body.errors ? r.body.errors[0].message : r.body.message);
      startCountdown(r.body.otp_ttl_secs);
    });
  });
  $('close').addEventListener('click', function () { post('exit', {}); });
})();
