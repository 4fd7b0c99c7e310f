//! Time as an input: core never reads a clock. Gateways want Korean Standard Time (UTC+9, no DST).

/// A point in time, as whole seconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

const KST_OFFSET_SECS: i64 = 9 * 3600;

/// A calendar date and time of day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CivilTime {
    /// The year.
    pub year: i64,
    /// The month, 1–12.
    pub month: u32,
    /// The day of the month, 1–31.
    pub day: u32,
    /// The hour, 0–23.
    pub hour: u32,
    /// The minute, 0–59.
    pub minute: u32,
    /// The second, 0–59.
    pub second: u32,
}

impl Timestamp {
    /// The instant `seconds` after the Unix epoch.
    pub fn from_unix(seconds: i64) -> Self {
        Timestamp(seconds)
    }

    /// This instant on a Korean wall clock.
    pub fn kst(self) -> CivilTime {
        let t = self.0.saturating_add(KST_OFFSET_SECS);
        let days = t.div_euclid(86_400);
        let secs = t.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        CivilTime { year, month, day, hour: secs / 3600, minute: secs / 60 % 60, second: secs % 60 }
    }

    /// `YYYYMMDDHHMMSS` in KST: Payup's `timestamp` (payup-card-keyin.txt §2.1, "YYYYMMDDHH24MISS").
    pub fn kst_14(self) -> String {
        let c = self.kst();
        if !(0..=9999).contains(&c.year) {
            return format!("{:04}{:02}{:02}{:02}{:02}{:02}", c.year, c.month, c.day, c.hour, c.minute, c.second);
        }
        // The digits written directly: `format!` cost ~1,800 instructions of every signed request (issue 21).
        let mut digits = [0u8; 14];
        let fields = [(c.year as u32, 4), (c.month, 2), (c.day, 2), (c.hour, 2), (c.minute, 2), (c.second, 2)];
        let mut at = 0;
        for (mut value, width) in fields {
            for i in (at..at + width).rev() {
                digits[i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
            at += width;
        }
        digits.iter().map(|&d| d as char).collect()
    }

    /// `YYYYMMDD` in KST: Payple's `PCD_PAY_DATE`.
    pub fn kst_date(self) -> String {
        self.kst_14()[..8].to_string()
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kst_is_utc_plus_nine() {
        assert_eq!(Timestamp(0).kst_14(), "19700101090000");
        // 2018-02-11T15:00:00Z is midnight of the spec sample's 20180212000000 in Seoul.
        assert_eq!(Timestamp(1_518_361_200).kst_14(), "20180212000000");
        assert_eq!(Timestamp(1_709_218_800).kst_date(), "20240301"); // leap year: 2024-02-29T15:00Z
        assert_eq!(Timestamp(253_402_268_399).kst_14(), "99991231235959"); // the last second of the fast path
        assert_eq!(Timestamp(253_402_268_400).kst_14(), "100000101000000");
        assert_eq!(Timestamp(-62_167_251_600).kst_14(), "00000101000000");
        assert_eq!(Timestamp(-62_167_251_601).kst_14(), "-0011231235959");
        assert_eq!(Timestamp(1_709_218_799).kst_14(), "20240229235959");
    }
}
