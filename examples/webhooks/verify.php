<?php
// Verifies a webhook of the Kazakhstan mobile checkout backend, in PHP (no extensions beyond hash).
//
// In your handler, before parsing the body:
//
//   require 'verify.php';
//   $raw = file_get_contents('php://input');
//   try {
//       checkout_verify_webhook($raw, $_SERVER['HTTP_CHECKOUT_SIGNATURE'] ?? '', getenv('CHECKOUT_WEBHOOK_SECRET'));
//   } catch (InvalidArgumentException $e) {
//       http_response_code(400); exit;
//   }
//   $event = json_decode($raw, true); // then dedupe by $event['id']
//
// From a shell (what `make test` runs against real deliveries):
//
//   CHECKOUT_WEBHOOK_SECRET=... php verify.php BODY_FILE 'HEADER'   # exit 0 and "ok", or 1 and why

// How far the delivery's timestamp may be from this server's clock, either way, in seconds.
const CHECKOUT_WEBHOOK_TOLERANCE = 300;

function checkout_verify_webhook(string $rawBody, string $header, string $secret, ?int $now = null): void
{
    $t = null;
    $signatures = [];
    foreach (explode(',', $header) as $part) {
        $pair = explode('=', trim($part), 2);
        if (count($pair) !== 2) {
            continue;
        }
        if ($pair[0] === 't') {
            $t = $pair[1];
        } elseif ($pair[0] === 'v1') {
            $signatures[] = strtolower($pair[1]);
        }
    }
    if ($t === null || !ctype_digit($t)) {
        throw new InvalidArgumentException('the header has no timestamp t=');
    }
    if (count($signatures) === 0) {
        throw new InvalidArgumentException('the header has no v1= signature');
    }
    $age = ($now ?? time()) - (int) $t;
    if (abs($age) > CHECKOUT_WEBHOOK_TOLERANCE) {
        throw new InvalidArgumentException("the delivery is $age s from now, beyond the " . CHECKOUT_WEBHOOK_TOLERANCE . ' s tolerance');
    }
    $expected = hash_hmac('sha256', $t . '.' . $rawBody, $secret);
    // During a secret's rotation the header carries two v1 values: either may match.
    foreach ($signatures as $signature) {
        if (hash_equals($expected, $signature)) {
            return;
        }
    }
    throw new InvalidArgumentException('no v1 signature matches the body');
}

if (PHP_SAPI === 'cli' && isset($argv) && realpath($argv[0]) === __FILE__) {
    $now = getenv('WEBHOOK_NOW') !== false && getenv('WEBHOOK_NOW') !== '' ? (int) getenv('WEBHOOK_NOW') : null;
    try {
        checkout_verify_webhook(file_get_contents($argv[1]), $argv[2], (string) getenv('CHECKOUT_WEBHOOK_SECRET'), $now);
        echo "ok\n";
    } catch (InvalidArgumentException $e) {
        echo 'invalid: ' . $e->getMessage() . "\n";
        exit(1);
    }
}
