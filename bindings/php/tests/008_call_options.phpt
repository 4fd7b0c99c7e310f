--TEST--
payup: per-call options (issue 20): ['timeout_ms' => N] on call() and the typed methods, never request fields
--EXTENSIONS--
payup
--FILE--
<?php
require __DIR__ . '/inc/helpers.inc';
$sb = new Payup\Sandbox();
$client = new Payup\Client($sb->clientConfig());
// A delay longer than this call's timeout: the approval's bytes left, so its outcome is unknown.
$sb->armFault('payup.keyin.approve', 'delay', ['delay_ms' => 1500]);
$t = microtime(true);
$e = thrown(fn() => $client->payupKeyinApprove(keyin(order('TO')), ['timeout_ms' => 300]));
var_dump(get_class($e), microtime(true) - $t < 1.4);
// The client's own timeout is unchanged: the same delay now completes.
$sb->armFault('payup.keyin.approve', 'delay', ['delay_ms' => 800]);
var_dump($client->call('payup.keyin.approve', keyin(order('TO')))['response_code']);
var_dump($client->call('payup.keyin.approve', keyin(order('TO')), ['timeout_ms' => 5000])['response_code']);
// Bad options are refused by name before anything is sent.
foreach ([['timeout_ms' => 0], ['timeout_ms' => 'x'], ['order_number' => 'x'], [300]] as $bad) {
    $e = thrown(fn() => $client->payupKeyinApprove(keyin(order('TO')), $bad));
    var_dump(get_class($e), $e->getField());
}
$sb->close();
?>
--EXPECT--
string(31) "Payup\AmbiguousOutcomeException"
bool(true)
string(4) "0000"
string(4) "0000"
string(29) "Payup\InvalidRequestException"
string(10) "timeout_ms"
string(29) "Payup\InvalidRequestException"
string(10) "timeout_ms"
string(29) "Payup\InvalidRequestException"
string(12) "order_number"
string(29) "Payup\InvalidRequestException"
string(9) "(options)"
