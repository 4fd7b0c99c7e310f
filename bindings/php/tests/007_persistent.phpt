--TEST--
payup: persistent clients, one per configuration per process; others end with their object
--EXTENSIONS--
payup
--FILE--
<?php
require __DIR__ . '/inc/helpers.inc';
function persistent_clients(): int {
    ob_start(); phpinfo(INFO_MODULES); $info = ob_get_clean();
    return preg_match('/persistent clients \(this process\) => (\d+)/', $info, $m) ? (int)$m[1] : -1;
}
$sb = new Payup\Sandbox();
$config = $sb->clientConfig();
var_dump(persistent_clients());
$a = new Payup\Client($config);                               // not persistent
var_dump(persistent_clients());
$b = new Payup\Client($config, ['persistent' => true]);
$c = new Payup\Client(json_encode($config, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES), ['persistent' => true]);
var_dump(persistent_clients());                               // the same JSON: the same client
unset($b, $c);
$d = new Payup\Client($config, ['persistent' => true]);
var_dump(persistent_clients());
var_dump($d->payupKeyinApprove(keyin(order('PE')))['amount']);
$other = $config; $other['timeouts'] = ['connect_ms' => 1000, 'read_ms' => 2000];
$e = new Payup\Client($other, ['persistent' => true]);
var_dump(persistent_clients());
var_dump(get_class(thrown(fn() => new Payup\Client('{not json', ['persistent' => true]))), persistent_clients());
var_dump($e->payupKeyinApprove(keyin(order('PE')))['amount']);
?>
--EXPECT--
int(0)
int(0)
int(1)
int(1)
int(1004)
int(2)
string(21) "Payup\ConfigException"
int(2)
int(1004)
