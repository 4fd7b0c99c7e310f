<?php
// A card payment from PHP through FFI and libpayup: approve 1,004 KRW with Payup card keyin, then cancel it.
//
//   PAYUP_LIB=/path/to/libpayup.so PAYUP_HEADER=/path/to/payup_php.h php checkout.php [CONFIG_FILE]
//
// With CONFIG_FILE (the configuration document of the README) it talks to the gateways that file names;
// without it, it starts the embedded sandbox and uses that.
declare(strict_types=1);

$root = dirname(__DIR__, 2);
$ffi = FFI::cdef(
    file_get_contents(getenv('PAYUP_HEADER') ?: "$root/include/payup_php.h"),
    getenv('PAYUP_LIB') ?: 'libpayup.so',
);

/** Runs one operation; returns [result code, document]. Owned strings are freed in libpayup. */
function payup_call(FFI $ffi, FFI\CData $client, string $operation, array $request): array {
    $out = $ffi->new('char *');
    $rc = $ffi->payup_client_call($client, $operation, json_encode($request), FFI::addr($out));
    $doc = json_decode(FFI::string($out), true);
    $ffi->payup_string_free($out);
    return [$rc, $doc];
}

echo 'libpayup ', $ffi->payup_version(), "\n";

$sandbox = null;
if (isset($argv[1])) {
    $config = file_get_contents($argv[1]);
} else {
    $sandbox = $ffi->new('payup_sandbox *');
    if ($ffi->payup_sandbox_start(null, FFI::addr($sandbox)) !== $ffi->PAYUP_OK) {
        fwrite(STDERR, "cannot start the sandbox\n");
        exit(2);
    }
    echo 'sandbox at ', $ffi->payup_sandbox_base_url($sandbox), "\n";
    $out = $ffi->new('char *');
    $ffi->payup_sandbox_client_config($sandbox, FFI::addr($out));
    $config = FFI::string($out);
    $ffi->payup_string_free($out);
}

$client = $ffi->new('payup_client *');
$error = $ffi->new('char *');
if ($ffi->payup_client_new($config, FFI::addr($client), FFI::addr($error)) !== $ffi->PAYUP_OK) {
    fwrite(STDERR, 'configuration: ' . (FFI::isNull($error) ? '' : FFI::string($error)) . "\n");
    exit(2);
}

[$rc, $approved] = payup_call($ffi, $client, 'payup.keyin.approve', [
    'order_number' => 'PHP-' . time(), 'card_no' => '4111111111111111', 'expire_month' => '12',
    'expire_year' => '30', 'birthday' => '890302', 'card_pw' => '12', 'amount' => 1004, 'quota' => 0,
    'item_name' => '예제 상품', 'user_name' => '홍길동',
]);
$status = 0;
if ($rc === $ffi->PAYUP_OK) {
    echo "approved: {$approved['transaction_id']} ({$approved['amount']} KRW, auth {$approved['auth_number']})\n";
    [$rc, $cancelled] = payup_call($ffi, $client, 'payup.keyin.cancel',
        ['transaction_id' => $approved['transaction_id']]);
    if ($rc === $ffi->PAYUP_OK) {
        echo "cancelled: {$cancelled['transaction_id']} at {$cancelled['cancel_date_time']}\n";
    } else {
        echo 'cancel failed: ', json_encode($cancelled, JSON_UNESCAPED_UNICODE), "\n";
        $status = 1;
    }
} elseif ($rc === $ffi->PAYUP_AMBIGUOUS) {
    // Never resend blindly: the error carries the order number and amount to reconcile with.
    echo 'outcome unknown: ', json_encode($approved['error']['ambiguous'], JSON_UNESCAPED_UNICODE), "\n";
    $status = 1;
} else {
    echo $ffi->payup_result_name($rc), ': ', $approved['error']['message'], "\n";
    $status = 1;
}

$ffi->payup_client_free($client);
if ($sandbox !== null) {
    $ffi->payup_sandbox_free($sandbox);
}
exit($status);
