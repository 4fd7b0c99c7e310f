<?php
// The PHP test of libpayup through FFI (scripts/test-c):
//   php bindings/c/tests/php/test_payup.php include/payup_php.h target/release/libpayup.so
// Starts the embedded sandbox, approves and cancels a Payup keyin payment and a KCP keyin payment, sends a
// declined card and an invalid request, and checks the JSON documents it gets back. Ends with
// "N passed, N failed".
declare(strict_types=1);

[$_, $header, $lib] = $argv + [null, __DIR__ . '/../../../../include/payup_php.h', 'libpayup.so'];
$ffi = FFI::cdef(file_get_contents($header), $lib);

$passed = 0;
$failed = 0;
function check(bool $cond, string $what): void {
    global $passed, $failed;
    if ($cond) { $passed++; } else { $failed++; fwrite(STDERR, "FAIL: $what\n"); }
}

/** Takes an owned string from a `char *` out parameter, frees it in libpayup, returns the PHP string. */
function take(FFI $ffi, FFI\CData $out): ?string {
    if (FFI::isNull($out)) { return null; }
    $s = FFI::string($out);
    $ffi->payup_string_free($out);
    return $s;
}

/** payup_client_call: returns [result code, decoded document]. */
function call(FFI $ffi, FFI\CData $client, string $op, array $request): array {
    $out = $ffi->new('char *');
    $rc = $ffi->payup_client_call($client, $op, json_encode($request, JSON_THROW_ON_ERROR), FFI::addr($out));
    $doc = json_decode(take($ffi, $out), true, 512, JSON_THROW_ON_ERROR);
    return [$rc, $doc];
}

$version = $ffi->payup_version();
check(is_string($version) && preg_match('/^\d+\.\d+\.\d+/', $version) === 1, "version $version");

$sandbox = $ffi->new('payup_sandbox *');
check($ffi->payup_sandbox_start(null, FFI::addr($sandbox)) === $ffi->PAYUP_OK, 'sandbox start');
$base = $ffi->payup_sandbox_base_url($sandbox);
check(str_starts_with($base, 'http://127.0.0.1:'), "base url $base");

$out = $ffi->new('char *');
check($ffi->payup_sandbox_client_config($sandbox, FFI::addr($out)) === $ffi->PAYUP_OK, 'client config');
$config = json_decode(take($ffi, $out), true, 512, JSON_THROW_ON_ERROR);
check($config['payup']['base_url'] === $base, 'config points at the sandbox');

$client = $ffi->new('payup_client *');
$err = $ffi->new('char *');
$rc = $ffi->payup_client_new(json_encode($config), FFI::addr($client), FFI::addr($err));
check($rc === $ffi->PAYUP_OK, "client new: $rc");

$stamp = (string)time();
$keyin = fn (string $order, string $card, int $amount = 1004) => [
    'order_number' => $order, 'card_no' => $card, 'expire_month' => '12', 'expire_year' => '30',
    'birthday' => '890302', 'card_pw' => '12', 'amount' => $amount, 'quota' => 0,
    'item_name' => 'PHP 상품', 'user_name' => '홍길동',
];

// Payup keyin: approve, then cancel.
[$rc, $approved] = call($ffi, $client, 'payup.keyin.approve', $keyin("PHP-K$stamp", '4111111111111111'));
check($rc === $ffi->PAYUP_OK, "payup approve: $rc " . json_encode($approved));
check(($approved['amount'] ?? null) === 1004, 'payup approve: amount is an integer 1004');
check(($approved['order_number'] ?? null) === "PHP-K$stamp", 'payup approve: order number');
check(($approved['response_code'] ?? null) === '0000', 'payup approve: response code 0000');
$tx = $approved['transaction_id'] ?? '';
check($tx !== '', 'payup approve: transaction id');
[$rc, $cancelled] = call($ffi, $client, 'payup.keyin.cancel', ['transaction_id' => $tx]);
check($rc === $ffi->PAYUP_OK, "payup cancel: $rc " . json_encode($cancelled));
check(($cancelled['transaction_id'] ?? null) === $tx, 'payup cancel: same transaction');

// NHN KCP keyin: approve.
[$rc, $kcp] = call($ffi, $client, 'kcp.keyin.approve', [
    'ordr_idxx' => "PHP-KCP$stamp", 'good_name' => 'PHP 상품', 'buyr_name' => '이영희', 'amount' => 5000,
    'card_no' => '4111111111111111', 'card_expiry' => '3012', 'card_taxno' => '890302', 'card_pwd' => '12',
]);
check($rc === $ffi->PAYUP_OK, "kcp approve: $rc " . json_encode($kcp));
check(($kcp['amount'] ?? null) === 5000 && ($kcp['tno'] ?? '') !== '', 'kcp approve: amount and tno');

// A declined card.
[$rc, $declined] = call($ffi, $client, 'payup.keyin.approve', $keyin("PHP-D$stamp", '4000000000000002'));
check($rc === $ffi->PAYUP_DECLINED, "declined: $rc");
check(($declined['error']['kind'] ?? null) === 'declined' && ($declined['error']['code'] ?? null) === '9101'
    && ($declined['error']['gateway'] ?? null) === 'payup', 'declined: error document ' . json_encode($declined));

// An invalid request (amount 0), with canaries that must not come back.
$bad = $keyin("PHP-I$stamp", '4556737586899855', 0);
$bad['card_pw'] = '47';
$bad['birthday'] = '731205';
$out = $ffi->new('char *');
$rc = $ffi->payup_client_call($client, 'payup.keyin.approve', json_encode($bad), FFI::addr($out));
$text = take($ffi, $out);
$invalid = json_decode($text, true, 512, JSON_THROW_ON_ERROR);
check($rc === $ffi->PAYUP_INVALID, "invalid: $rc");
check(($invalid['error']['kind'] ?? null) === 'invalid' && ($invalid['error']['field'] ?? null) === 'amount',
    'invalid: error document ' . $text);
foreach (['4556737586899855', '731205', '"47"'] as $canary) {
    check(!str_contains($text, $canary), "invalid: error holds $canary");
}

// A request that is not JSON.
$out = $ffi->new('char *');
$rc = $ffi->payup_client_call($client, 'payup.keyin.approve', '{"order_number": ', FFI::addr($out));
$doc = json_decode(take($ffi, $out), true);
check($rc === $ffi->PAYUP_INVALID && ($doc['error']['field'] ?? null) === 'request_json', 'request not JSON');

// A configuration error.
$bad_client = $ffi->new('payup_client *');
$err = $ffi->new('char *');
$rc = $ffi->payup_client_new('{"payup": {"merchant_id": "m"}}', FFI::addr($bad_client), FFI::addr($err));
$doc = json_decode(take($ffi, $err), true);
check($rc === $ffi->PAYUP_CONFIG && ($doc['error']['kind'] ?? null) === 'config', 'config error');

// Pure helpers: the spec's approval signature vector.
$vectors = json_decode(file_get_contents(__DIR__ . '/../../../../tests/vectors/signatures.json'), true);
foreach ($vectors['vectors'] as $v) {
    $out = $ffi->new('char *');
    $rc = $v['kind'] === 'approval'
        ? $ffi->payup_sign_approval($v['merchant_id'], $v['order_number'], $v['amount'], $v['api_cert_key'],
            $v['timestamp'], FFI::addr($out))
        : $ffi->payup_sign_cancel($v['merchant_id'], $v['transaction_id'], $v['api_cert_key'], FFI::addr($out));
    check($rc === $ffi->PAYUP_OK && take($ffi, $out) === $v['signature'], 'signature: ' . $v['name']);
}

$ffi->payup_client_free($client);
$ffi->payup_sandbox_free($sandbox);
echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
