--TEST--
payup: version, classes, the exception hierarchy, one method per operation
--EXTENSIONS--
payup
--FILE--
<?php
var_dump(Payup\version() === '0.1.0');
foreach (['InvalidRequestException', 'ConfigException', 'DeclinedException', 'NotSentException', 'AmbiguousOutcomeException'] as $c) {
    $r = new ReflectionClass("Payup\\$c");
    echo $c, ' ', $r->getParentClass()->getName(), ' ', $r->isFinal() ? 'final' : '', "\n";
}
var_dump(is_subclass_of('Payup\PayupException', 'RuntimeException'));
$methods = get_class_methods('Payup\Client');
echo count($methods), "\n";
var_dump(in_array('payupKeyinApprove', $methods, true), in_array('kcpCancel', $methods, true));
$m = new ReflectionMethod('Payup\Client', 'payupKeyinApprove');
echo $m->getReturnType(), ' ', $m->getParameters()[0]->getType(), "\n";
$c = new ReflectionMethod('Payup\Client', '__construct');
echo $c->getParameters()[0]->getType(), ' ', $c->getParameters()[1]->getType(), "\n";
echo (new ReflectionMethod('Payup\Sandbox', '__construct'))->getParameters()[0]->getType(), "\n";
echo (new ReflectionMethod('Payup\PayupException', 'getAmbiguous'))->getReturnType(), "\n";
var_dump((new ReflectionClass('Payup\Client'))->isFinal());
try { clone new Payup\Client([]); } catch (Error $e) { echo get_class($e), "\n"; }
try { serialize(new Payup\Client([])); } catch (Exception $e) { echo get_class($e), "\n"; }
try { $c = new Payup\Client([]); $c->x = 1; } catch (Error $e) { echo get_class($e), "\n"; }
?>
--EXPECT--
bool(true)
InvalidRequestException Payup\PayupException final
ConfigException Payup\PayupException final
DeclinedException Payup\PayupException final
NotSentException Payup\PayupException final
AmbiguousOutcomeException Payup\PayupException final
bool(true)
20
bool(true)
bool(true)
array array
array|string array
?array
?array
bool(true)
Error
Exception
Error
