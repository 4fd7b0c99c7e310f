//! Opening a new SQLite journal from many processes or threads at once (PHP-FPM workers starting together,
//! or a test and the `payup` process it spawned): every open succeeds. CI once failed on this race: setting
//! a new file to WAL answered "database is locked" at once, without the busy handler.

use payup_core::journal::JournalConfig;
use payup_journal::Journal;

#[test]
fn eight_threads_opening_one_new_journal_file_all_open_it() {
    let mut failures = Vec::new();
    for round in 0..20 {
        let dir = std::env::temp_dir().join(format!("payup-open-race-{}-{round}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("journal.db").to_str().unwrap().to_string();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
        let opens: Vec<_> = (0..8)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    Journal::open(&JournalConfig::Sqlite(path)).err().map(|e| e.message().to_string())
                })
            })
            .collect();
        failures.extend(opens.into_iter().filter_map(|h| h.join().unwrap()));
        let j = Journal::open(&JournalConfig::Sqlite(path)).unwrap();
        assert!(j.list(None, None).unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(failures.is_empty(), "{failures:?}");
}
