//! The phone reader's tests.

use super::*;

fn e164(s: &str) -> String {
    normalize(s, Region::HK)
        .map(|n| n.e164)
        .unwrap_or_else(|e| format!("ERR {e}"))
}

#[test]
fn hong_kong_forms() {
    let cases = [
        ("91234567", "+85291234567"),
        ("9123 4567", "+85291234567"),
        ("9123-4567", "+85291234567"),
        ("9123.4567", "+85291234567"),
        ("(852) 9123 4567", "+85291234567"),
        ("+852 9123 4567", "+85291234567"),
        ("+852-9123-4567", "+85291234567"),
        ("(+852) 9123-4567", "+85291234567"),
        ("00852 9123 4567", "+85291234567"),
        ("00852-91234567", "+85291234567"),
        ("852 9123 4567", "+85291234567"),
        ("85291234567", "+85291234567"),
        ("９１２３ ４５６７", "+85291234567"),
        ("＋８５２ ９１２３ ４５６７", "+85291234567"),
        ("（８５２）９１２３－４５６７", "+85291234567"),
        ("٩١٢٣٤٥٦٧", "+85291234567"),
        ("\u{200E}+852 9123 4567\u{200E}", "+85291234567"),
        ("tel:+852-9123-4567", "+85291234567"),
        ("TEL:+85291234567;phone-context=example.com", "+85291234567"),
        ("tel:91234567;ext=12", "+85291234567"),
        ("  2123 4567 ", "+85221234567"),
        ("3001 2345", "+85230012345"),
        ("800 123 456", "+852800123456"),
        ("+852 800 123 456", "+852800123456"),
        ("5123 4567", "+85251234567"),
        ("6123 4567", "+85261234567"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("0086 138 0013 8000", "+8613800138000"),
        ("+44 20 7946 0018", "+442079460018"),
        ("+1 212 555 0123", "+12125550123"),
    ];
    for (input, want) in cases {
        assert_eq!(e164(input), want, "input {input:?}");
    }
}

#[test]
fn hong_kong_classes() {
    let cases = [
        ("21234567", PhoneClass::FixedLine),
        ("51234567", PhoneClass::Mobile),
        ("91234567", PhoneClass::Mobile),
        ("61234567", PhoneClass::Mobile),
        ("71123456", PhoneClass::Pager),
        ("800123456", PhoneClass::TollFree),
        ("90012345678", PhoneClass::PremiumRate),
        ("81123456", PhoneClass::Personal),
        ("30161234", PhoneClass::Uan),
    ];
    for (input, want) in cases {
        let n = normalize(input, Region::HK);
        assert!(n.is_ok(), "{input}: {n:?}");
        let n = n.unwrap();
        assert_eq!(n.class, want, "input {input}");
        assert_eq!(n.region, Some(Region::HK));
    }
}

#[test]
fn invalid_numbers_say_why() {
    use PhoneError as E;
    let hk = Some(Region::HK);
    let cases: Vec<(&str, PhoneError)> = vec![
        ("", E::Empty),
        ("   ", E::Empty),
        (
            "9123 456",
            E::TooShort {
                region: hk,
                expected: 8,
                found: 7,
                international: false,
            },
        ),
        (
            "+852 9123 456",
            E::TooShort {
                region: hk,
                expected: 8,
                found: 7,
                international: true,
            },
        ),
        (
            "00852 2123 456",
            E::TooShort {
                region: hk,
                expected: 8,
                found: 7,
                international: true,
            },
        ),
        (
            "9123 45678",
            E::TooLong {
                region: hk,
                expected: 8,
                found: 9,
                international: false,
            },
        ),
        (
            "800 123 45",
            E::TooShort {
                region: hk,
                expected: 9,
                found: 8,
                international: false,
            },
        ),
        (
            "+852 1234 5678",
            E::InvalidForRegion {
                region: hk,
                international: true,
            },
        ),
        (
            // A trunk `0` as other countries dial it: Hong Kong has none.
            "+852 0 2123 4567",
            E::InvalidForRegion {
                region: hk,
                international: true,
            },
        ),
        (
            "00852 09123 4567",
            E::InvalidForRegion {
                region: hk,
                international: true,
            },
        ),
        (
            "0123 4567",
            E::InvalidForRegion {
                region: hk,
                international: false,
            },
        ),
        ("1-800-FLOWERS", E::ContainsLetters),
        ("9123 456７a", E::ContainsLetters),
        ("support@dingtalk.com", E::LooksLikeEmail),
        ("91234567@example.com", E::LooksLikeEmail),
        ("9123+4567", E::MisplacedPlus),
        ("++85291234567", E::MisplacedPlus),
        ("9123_4567", E::InvalidCharacter('_')),
        ("#91234567", E::InvalidCharacter('#')),
        ("----", E::NoDigits),
        ("+999 1234 5678", E::UnknownCountryCode("999".into())),
    ];
    for (input, want) in cases {
        assert_eq!(normalize(input, Region::HK), Err(want), "input {input:?}");
    }
    // Over-long numbers are refused, never truncated.
    for input in [
        "+852 9123 4567 8901 2345",
        "912345678901234567890",
        "+8529123456789",
    ] {
        assert!(
            matches!(normalize(input, Region::HK), Err(E::TooLong { .. })),
            "input {input:?} gave {:?}",
            normalize(input, Region::HK)
        );
    }
    let long = "9".repeat(200);
    assert_eq!(normalize(&long, Region::HK), Err(E::InputTooLong));
    // The limit counts characters, not bytes: 96 full-width digits (288 bytes) are read (and
    // too long as a number), 97 are refused before that.
    let wide = |n| "\u{FF19}".repeat(n);
    assert!(matches!(
        normalize(&wide(96), Region::HK),
        Err(E::TooLong { .. })
    ));
    assert_eq!(normalize(&wide(97), Region::HK), Err(E::InputTooLong));
}

#[test]
fn short_message_is_specific() {
    let err = normalize("9123 456", Region::HK).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a Hong Kong number of this kind has 8 digits; this one has 7"
    );
}

#[test]
fn hints() {
    let n = normalize("+852 9123 4567", Region::HK).unwrap();
    assert_eq!(n.hints, vec![PhoneHint::HkCallerIdSpoof]);
    assert!(normalize("9123 4567", Region::HK).unwrap().hints.is_empty());
    assert!(normalize("00852 9123 4567", Region::HK)
        .unwrap()
        .hints
        .is_empty());
    let n = normalize("+86 138 0013 8000", Region::HK).unwrap();
    assert_eq!(n.hints, vec![PhoneHint::Overseas]);
    let n = normalize("90012345678", Region::HK).unwrap();
    assert_eq!(n.hints, vec![PhoneHint::PremiumRate]);
    let e = normalize("+852 1234 5678", Region::HK).unwrap_err();
    assert_eq!(e.hints(), vec![PhoneHint::HkPrefixNonHkPattern]);
    assert!(normalize("0123 4567", Region::HK)
        .unwrap_err()
        .hints()
        .is_empty());
}

/// The national significant number is the E.164 form after the country code, whatever the
/// prefix was written as (none, `852`, `+852`, `00852`) and for codes of one to three digits.
#[test]
fn national_number_follows_the_country_code() {
    let national = |s: &str, r: Region| normalize(s, r).unwrap().national().to_owned();
    for written in [
        "9123 4567",
        "852 9123 4567",
        "+852 9123 4567",
        "00852 9123 4567",
    ] {
        assert_eq!(national(written, Region::HK), "91234567", "{written:?}");
    }
    let gb: Region = "gb".parse().unwrap();
    assert_eq!(national("020 7946 0018", gb), "2079460018");
    assert_eq!(national("+44 20 7946 0018", Region::HK), "2079460018");
    assert_eq!(national("+1 212 555 0123", Region::HK), "2125550123");
    assert_eq!(national("+86 138 0013 8000", Region::HK), "13800138000");
    assert_eq!(national("+853 6612 3456", Region::HK), "66123456");
}

#[test]
fn other_default_region() {
    let gb: Region = "gb".parse().unwrap();
    assert_eq!(
        normalize("020 7946 0018", gb).unwrap().e164,
        "+442079460018"
    );
    // With region GB, a Hong Kong number needs its country code.
    assert_eq!(
        normalize("00852 9123 4567", gb).unwrap().e164,
        "+85291234567"
    );
    assert!("XX".parse::<Region>().is_err());
    assert!("".parse::<Region>().is_err());
}

/// Every four-digit start at every length up to past the longest, as a national number, with
/// `+852` and with `00852` (and `+852` from another default region), gives the same answer on
/// the fast path as on the full one; so do all numbers of up to four digits.
#[test]
fn hong_kong_fast_path_agrees() {
    let gb: Region = "GB".parse().unwrap();
    let mut checked = 0u32;
    let mut fast_valid = 0u32;
    let mut differ = Vec::new();
    let mut agree = |nsn: &str| {
        let forms = [
            (nsn.to_owned(), Region::HK),
            (format!("+852{nsn}"), Region::HK),
            (format!("00852{nsn}"), Region::HK),
            (format!("+852{nsn}"), gb),
        ];
        for (input, region) in forms {
            {
                let fast = normalize(&input, region);
                let full = normalize_full(&input, region);
                fast_valid += u32::from(fast.is_ok() && region == Region::HK);
                checked += 1;
                if fast != full && differ.len() < 20 {
                    differ.push(format!("{input:?} in {region}: {fast:?} != {full:?}"));
                }
            }
        }
    };
    for len in 1..=4u32 {
        for n in 0..10u32.pow(len) {
            agree(&format!("{n:0width$}", width = len as usize));
        }
    }
    for prefix in 0..10_000u32 {
        // A suffix that varies with the prefix, so that every digit appears in each position.
        let suffix = format!("{:09}", (u64::from(prefix) * 2_654_435_761) % 1_000_000_000);
        for len in 5..=13 {
            agree(&format!("{prefix:04}{}", &suffix[..len - 4]));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    assert!(checked > 300_000, "{checked}");
    assert!(fast_valid > 10_000, "{fast_valid}");
}

/// The tables above, through both paths.
#[test]
fn tables_agree_on_both_paths() {
    for input in [
        "91234567",
        "+852 9123 4567",
        "00852 9123 4567",
        "852 9123 4567",
        "85291234567",
        "(852) 9123 4567",
        "tel:+852-9123-4567",
        "800 123 456",
        "90012345678",
        "9003123",
        "900312345678",
        "9123 456",
        "+852 9123 456",
        "9123 45678",
        "+852 1234 5678",
        "0123 4567",
        "+86 138 0013 8000",
        "+852 9123 4567 8901 2345",
        "+8529123456789",
        "٩١٢٣٤٥٦٧",
        "８５２９１２３４５６７",
        "0085291234567",
        "+85200000000",
        "+852",
        "00852",
        "852",
    ] {
        for region in [Region::HK, "GB".parse().unwrap(), "CN".parse().unwrap()] {
            assert_eq!(
                normalize(input, region),
                normalize_full(input, region),
                "input {input:?} in {region}"
            );
        }
    }
}

#[test]
fn region_serde() {
    assert_eq!(serde_json::to_string(&Region::HK).unwrap(), "\"HK\"");
    let r: Region = serde_json::from_str("\"hk\"").unwrap();
    assert_eq!(r, Region::HK);
    assert!(serde_json::from_str::<Region>("\"QQ\"").is_err());
}

/// `with_region_hints` takes Hong Kong's calling code as 852 without asking the metadata.
#[test]
fn hong_kongs_calling_code_is_852() {
    assert_eq!(Region::HK.calling_code(), Some(852));
    let home = normalize("9123 4567", Region::HK).unwrap();
    assert!(!home.hints.contains(&PhoneHint::Overseas));
    let gb: Region = "GB".parse().unwrap();
    let away = normalize("+852 9123 4567", gb).unwrap();
    assert!(away.hints.contains(&PhoneHint::Overseas));
    let uk = normalize("+44 20 7946 0018", Region::HK).unwrap();
    assert!(uk.hints.contains(&PhoneHint::Overseas));
}
