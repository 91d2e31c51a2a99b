//! Where a device says it is: IANA time zones and locales mapped to region codes.
//!
//! The desk's first region signal is the request's source address, which it sees itself; this is
//! the second, which the device reports. Both sides use this one table so that a refusal message
//! on the desk and the explanation in the app agree. The table covers the zones where Verity's
//! customers and their staff are likely to be; a zone that is not in it counts as unknown (never
//! as allowed), and the locale's region subtag is then used instead.

/// Region codes (ISO 3166-1 alpha-2, as used by the policy) of IANA time zones, including the
/// legacy aliases that some systems still report.
const TIME_ZONES: &[(&str, &str)] = &[
    ("Asia/Hong_Kong", "HK"),
    ("Hongkong", "HK"),
    ("Asia/Macau", "MO"),
    ("Asia/Macao", "MO"),
    ("Asia/Shanghai", "CN"),
    ("Asia/Chongqing", "CN"),
    ("Asia/Chungking", "CN"),
    ("Asia/Harbin", "CN"),
    ("Asia/Urumqi", "CN"),
    ("Asia/Kashgar", "CN"),
    ("PRC", "CN"),
    ("Asia/Taipei", "TW"),
    ("ROC", "TW"),
    ("Asia/Singapore", "SG"),
    ("Singapore", "SG"),
    ("Asia/Kuala_Lumpur", "MY"),
    ("Asia/Kuching", "MY"),
    ("Asia/Tokyo", "JP"),
    ("Japan", "JP"),
    ("Asia/Seoul", "KR"),
    ("ROK", "KR"),
    ("Asia/Manila", "PH"),
    ("Asia/Bangkok", "TH"),
    ("Asia/Ho_Chi_Minh", "VN"),
    ("Asia/Saigon", "VN"),
    ("Asia/Jakarta", "ID"),
    ("Asia/Kolkata", "IN"),
    ("Asia/Calcutta", "IN"),
    ("Asia/Dubai", "AE"),
    ("Asia/Riyadh", "SA"),
    ("Europe/London", "GB"),
    ("GB", "GB"),
    ("Europe/Paris", "FR"),
    ("Europe/Berlin", "DE"),
    ("America/New_York", "US"),
    ("America/Chicago", "US"),
    ("America/Denver", "US"),
    ("America/Los_Angeles", "US"),
    ("America/Phoenix", "US"),
    ("America/Anchorage", "US"),
    ("Pacific/Honolulu", "US"),
    ("America/Toronto", "CA"),
    ("America/Vancouver", "CA"),
    ("Australia/Sydney", "AU"),
    ("Australia/Melbourne", "AU"),
    ("Australia/Brisbane", "AU"),
    ("Australia/Perth", "AU"),
    ("Australia/Adelaide", "AU"),
    ("Pacific/Auckland", "NZ"),
];

/// The region of an IANA time zone, if the table knows it (`Asia/Hong_Kong` → `HK`).
#[must_use]
pub fn region_of_time_zone(tz: &str) -> Option<&'static str> {
    let tz = tz.trim();
    TIME_ZONES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(tz))
        .map(|(_, region)| *region)
}

/// The region subtag of a locale (`zh-HK`, `zh_HK.UTF-8`, `zh-Hant-HK` → `HK`).
#[must_use]
pub fn region_of_locale(locale: &str) -> Option<String> {
    let base = locale.split(['.', '@']).next().unwrap_or("");
    base.split(['-', '_'])
        .skip(1)
        .find(|part| part.len() == 2 && part.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase)
}

/// Whether `s` is a region code as the policy takes it: two ASCII letters.
#[must_use]
pub fn is_region_code(s: &str) -> bool {
    s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_zones_and_locales() {
        assert_eq!(region_of_time_zone("Asia/Hong_Kong"), Some("HK"));
        assert_eq!(region_of_time_zone("asia/macau"), Some("MO"));
        assert_eq!(region_of_time_zone("Etc/UTC"), None);
        assert_eq!(region_of_locale("zh-HK").as_deref(), Some("HK"));
        assert_eq!(region_of_locale("zh_HK.UTF-8").as_deref(), Some("HK"));
        assert_eq!(region_of_locale("zh-Hant-HK").as_deref(), Some("HK"));
        assert_eq!(region_of_locale("en").as_deref(), None);
        assert!(is_region_code("HK"));
        assert!(!is_region_code("hk"));
    }
}
