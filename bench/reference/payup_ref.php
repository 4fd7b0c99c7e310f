<?php
// A Payup keyin approval written by hand the way a merchant would in PHP: one curl handle (keep-alive),
// hash('sha256'), json_encode. The reference PHP through FFI is compared with in bench/run.
require __DIR__ . '/../drivers/benchlib.php';
[$config, $calls, $warmup] = bench_args($argv);
$mid = $config['payup']['merchant_id'];
$key = $config['payup']['api_cert_key'];
$url = $config['payup']['base_url'] . "/v2/api/payment/$mid/keyin2";
$ch = curl_init($url);
curl_setopt_array($ch, [CURLOPT_POST => true, CURLOPT_RETURNTRANSFER => true, CURLOPT_CONNECTTIMEOUT => 5,
    CURLOPT_TIMEOUT => 15, CURLOPT_HTTPHEADER => ['Content-Type: application/json; charset=utf-8', 'Expect:']]);
$kst = new DateTimeZone('Asia/Seoul');
bench_measure('php-reference', $calls, $warmup, function (int $i) use ($ch, $mid, $key, $kst) {
    $order = "BC$i"; $amount = '1004';
    $ts = (new DateTime('now', $kst))->format('YmdHis');
    $body = ['orderNumber' => $order, 'cardNo' => '4111111111111111', 'expireMonth' => '12', 'expireYear' => '30',
        'birthday' => '890302', 'cardPw' => '12', 'amount' => $amount, 'quota' => '0', 'itemName' => '벤치 상품',
        'userName' => '홍길동', 'signature' => hash('sha256', "$mid|$order|$amount|$key|$ts"), 'timestamp' => $ts];
    curl_setopt($ch, CURLOPT_POSTFIELDS, json_encode($body, JSON_UNESCAPED_UNICODE));
    $doc = json_decode(curl_exec($ch), true);
    $status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
    if ($status !== 200 || ($doc['responseCode'] ?? '') !== '0000' || $doc['amount'] !== $amount || $doc['orderNumber'] !== $order) {
        fwrite(STDERR, "not approved: $status\n"); exit(1);
    }
});
