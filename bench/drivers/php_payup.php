<?php
// libpayup through PHP FFI (include/payup_php.h): payup_client_call with the `payup call` documents.
// usage: php php_payup.php CONFIG_FILE CALLS WARMUP HEADER LIBRARY
require __DIR__ . '/benchlib.php';
[$config, $calls, $warmup] = bench_args($argv);
$ffi = FFI::cdef(file_get_contents($argv[4]), $argv[5]);
$client = $ffi->new('payup_client *');
$err = $ffi->new('char *');
if ($ffi->payup_client_new(json_encode($config), FFI::addr($client), FFI::addr($err)) !== 0) {
    fwrite(STDERR, "config rejected\n"); exit(1);
}
$out = $ffi->new('char *');
bench_measure('php-ffi', $calls, $warmup, function (int $i) use ($ffi, $client, $out) {
    $req = json_encode(['order_number' => "BF$i", 'card_no' => '4111111111111111', 'expire_month' => '12',
        'expire_year' => '30', 'birthday' => '890302', 'card_pw' => '12', 'amount' => 1004, 'quota' => 0,
        'item_name' => '벤치 상품', 'user_name' => '홍길동'], JSON_UNESCAPED_UNICODE);
    $rc = $ffi->payup_client_call($client, 'payup.keyin.approve', $req, FFI::addr($out));
    $doc = json_decode(FFI::string($out), true);
    $ffi->payup_string_free($out);
    if ($rc !== 0 || $doc['amount'] !== 1004) { fwrite(STDERR, "not approved: $rc\n"); exit(1); }
});
$ffi->payup_client_free($client);
