--TEST--
payup: the payment journal (replay, IN_FLIGHT, Client::recover) through the extension
--EXTENSIONS--
payup
--FILE--
<?php
require __DIR__ . '/inc/helpers.inc';
$sb = new Payup\Sandbox();
$db = sys_get_temp_dir() . '/payup-php-journal-' . getmypid() . '.db';
@unlink($db);
$config = $sb->clientConfig();
$config['journal'] = ['sqlite' => $db];
$client = new Payup\Client($config);
$o = order('J');
$first = $client->payupKeyinApprove(keyin($o));
$again = $client->payupKeyinApprove(keyin($o));
var_dump($again['replayed'], $again['transaction_id'] === $first['transaction_id']);
$sb->armFault('payup.keyin.approve', 'drop_after_commit');
$lost = order('L');
$e = thrown(fn() => $client->payupKeyinApprove(keyin($lost)));
var_dump(get_class($e));
$e = thrown(fn() => $client->payupKeyinApprove(keyin($lost)));
var_dump(get_class($e), $e->getPayupCode());
$summary = $client->recover();
var_dump(count($summary['unresolved']), $summary['resolved'], $summary['still_pending']);
var_dump(get_class(thrown(fn() => (new Payup\Client($sb->clientConfig()))->recover())));
$sb->close();
@unlink($db);
@unlink("$db-wal");
@unlink("$db-shm");
?>
--EXPECT--
bool(true)
bool(true)
string(31) "Payup\AmbiguousOutcomeException"
string(31) "Payup\AmbiguousOutcomeException"
string(9) "IN_FLIGHT"
int(1)
array(0) {
}
array(0) {
}
string(21) "Payup\ConfigException"
