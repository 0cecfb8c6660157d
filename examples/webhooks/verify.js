#!/usr/bin/env node
// Verifies a webhook of the Kazakhstan mobile checkout backend, in Node (built-in crypto only).
//
// In your handler, with the raw body as a Buffer (express: express.raw({ type: 'application/json' })):
//
//   const { verify } = require('./verify.js');
//   verify(req.body, req.get('Checkout-Signature'), process.env.CHECKOUT_WEBHOOK_SECRET); // throws if invalid
//   const event = JSON.parse(req.body); // then dedupe by event.id
//
// From a shell (what `make test` runs against real deliveries):
//
//   CHECKOUT_WEBHOOK_SECRET=... node verify.js BODY_FILE 'HEADER'   # exit 0 and "ok", or 1 and why
'use strict';
const crypto = require('crypto');
const fs = require('fs');

// How far the delivery's timestamp may be from this server's clock, either way, in seconds.
const TOLERANCE = 300;

function verify(rawBody, header, secret, now = Math.floor(Date.now() / 1000)) {
  let t = null;
  const signatures = [];
  for (const part of String(header || '').split(',')) {
    const [key, ...rest] = part.trim().split('=');
    const value = rest.join('=');
    if (key === 't') t = value;
    else if (key === 'v1') signatures.push(value.toLowerCase());
  }
  if (t === null || !/^[0-9]+$/.test(t)) throw new Error('the header has no timestamp t=');
  if (signatures.length === 0) throw new Error('the header has no v1= signature');
  const age = now - Number(t);
  if (Math.abs(age) > TOLERANCE) throw new Error(`the delivery is ${age} s from now, beyond the ${TOLERANCE} s tolerance`);
  const expected = crypto.createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest('hex');
  // During a secret's rotation the header carries two v1 values: either may match.
  const matches = signatures.some(
    (s) => s.length === expected.length && crypto.timingSafeEqual(Buffer.from(s), Buffer.from(expected)),
  );
  if (!matches) throw new Error('no v1 signature matches the body');
}

module.exports = { verify, TOLERANCE };

if (require.main === module) {
  const [bodyFile, header] = process.argv.slice(2);
  const now = process.env.WEBHOOK_NOW ? Number(process.env.WEBHOOK_NOW) : undefined;
  try {
    verify(fs.readFileSync(bodyFile), header, process.env.CHECKOUT_WEBHOOK_SECRET, now);
    console.log('ok');
  } catch (e) {
    console.log(`invalid: ${e.message}`);
    process.exit(1);
  }
}
