--TEST--
payup: Payup\Sandbox's clock (advanceClock, setClock) moves Payple payment times
--EXTENSIONS--
payup
--FILE--
<?php
require __DIR__ . '/inc/helpers.inc';
$sb = new Payup\Sandbox();
$client = new Payup\Client($sb->clientConfig());
var_dump($sb->setClock('2026-05-31T14:59:00Z'));
$r = $client->payupKeyinApprove(keyin(order('CLK')));
// The clock runs on between calls (valgrind is slow): compare to the minute.
var_dump(substr($r['transaction_id'], 0, 12));
var_dump(substr($sb->advanceClock(60), 0, 16));
$r = $client->payupKeyinApprove(keyin(order('CLK')));
var_dump(substr($r['transaction_id'], 0, 8));
$e = thrown(fn() => $sb->setClock('tomorrow'));
var_dump(get_class($e), $e->getKind());
$sb->close();
?>
--EXPECT--
string(25) "2026-05-31T23:59:00+09:00"
string(12) "202605312359"
string(16) "2026-06-01T00:00"
string(8) "20260601"
string(29) "Payup\InvalidRequestException"
string(7) "invalid"
