<?php
// The payup PHP extension (bindings/php, libpayup linked in statically): Client::payupKeyinApprove with arrays.
// usage: php -d extension=PATH/payup.so php_ext.php CONFIG_FILE [CALLS [WARMUP]]
require __DIR__ . '/benchlib.php';
[$config, $calls, $warmup] = bench_args($argv);
$client = new Payup\Client($config);
bench_measure('php-ext', $calls, $warmup, function (int $i) use ($client) {
    $r = $client->payupKeyinApprove(['order_number' => "BE$i", 'card_no' => '4111111111111111', 'expire_month' => '12',
        'expire_year' => '30', 'birthday' => '890302', 'card_pw' => '12', 'amount' => 1004, 'quota' => 0,
        'item_name' => '벤치 상품', 'user_name' => '홍길동']);
    if ($r['amount'] !== 1004) { fwrite(STDERR, "not approved\n"); exit(1); }
});
