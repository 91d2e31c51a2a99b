//! Bytes to text and back: BOMs, UTF-16 without a BOM, legacy encodings, and binary refusal.

use serde::{Deserialize, Serialize};

use super::ScanError;

/// The encoding a text file was read in (and a cleaned copy is written in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum TextEncoding {
    /// UTF-8 without a byte-order mark.
    #[serde(rename = "utf-8")]
    Utf8,
    /// UTF-8 with a byte-order mark (Excel's "CSV UTF-8").
    #[serde(rename = "utf-8-bom")]
    Utf8Bom,
    /// UTF-16 little-endian with a byte-order mark (Outlook's "Unicode" CSV).
    #[serde(rename = "utf-16le-bom")]
    Utf16LeBom,
    /// UTF-16 big-endian with a byte-order mark.
    #[serde(rename = "utf-16be-bom")]
    Utf16BeBom,
    /// UTF-16 little-endian without a byte-order mark.
    #[serde(rename = "utf-16le")]
    Utf16Le,
    /// UTF-16 big-endian without a byte-order mark.
    #[serde(rename = "utf-16be")]
    Utf16Be,
    /// Big5 (Traditional Chinese, older Windows and Outlook exports in Hong Kong and Taiwan).
    #[serde(rename = "big5")]
    Big5,
    /// GB18030 (Simplified Chinese, older exports in mainland China).
    #[serde(rename = "gb18030")]
    Gb18030,
    /// Windows-1252 (older Western exports).
    #[serde(rename = "windows-1252")]
    Windows1252,
}

impl TextEncoding {
    /// The name as serialised (`utf-8`, `utf-16le-bom`, …).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf8Bom => "utf-8-bom",
            TextEncoding::Utf16LeBom => "utf-16le-bom",
            TextEncoding::Utf16BeBom => "utf-16be-bom",
            TextEncoding::Utf16Le => "utf-16le",
            TextEncoding::Utf16Be => "utf-16be",
            TextEncoding::Big5 => "big5",
            TextEncoding::Gb18030 => "gb18030",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }
}

/// Decoded text and how it was encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, without a BOM.
    pub text: String,
    /// The encoding.
    pub encoding: TextEncoding,
}

fn utf16(bytes: &[u8], little: bool) -> Result<String, ScanError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(ScanError::Truncated(
            "UTF-16 text with an odd number of bytes".to_owned(),
        ));
    }
    let units = bytes.chunks_exact(2).map(|c| {
        if little {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|_| ScanError::Encoding("invalid UTF-16 (an unpaired surrogate)"))
}

/// Guesses UTF-16 without a BOM from where the zero bytes sit in ASCII-heavy text.
fn utf16_without_bom(bytes: &[u8]) -> Option<bool> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let even_zero = sample.iter().step_by(2).filter(|b| **b == 0).count();
    let odd_zero = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|b| **b == 0)
        .count();
    if odd_zero * 10 >= pairs * 4 && even_zero * 20 < pairs {
        Some(true)
    } else if even_zero * 10 >= pairs * 4 && odd_zero * 20 < pairs {
        Some(false)
    } else {
        None
    }
}

/// Whether decoded text is mostly control characters (a binary file that happened to decode).
fn looks_binary(text: &str) -> bool {
    let mut total = 0usize;
    let mut control = 0usize;
    for c in text.chars().take(65_536) {
        total += 1;
        if c == '\0' || (c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{0C}' | '\u{1B}')) {
            control += 1;
        }
    }
    total > 0 && control * 100 > total
}

/// Decodes a text file (see the module documentation).
///
/// # Errors
/// [`ScanError::Binary`] for binary data, [`ScanError::Encoding`] or
/// [`ScanError::Truncated`] for broken UTF-16, and invalid UTF-8 after a UTF-8 BOM.
pub fn decode(bytes: &[u8]) -> Result<Decoded, ScanError> {
    let (text, encoding) = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let t = std::str::from_utf8(rest)
            .map_err(|_| ScanError::Encoding("a UTF-8 byte-order mark, then invalid UTF-8"))?;
        (t.to_owned(), TextEncoding::Utf8Bom)
    } else if bytes.starts_with(b"\xFF\xFE\x00\x00") || bytes.starts_with(b"\x00\x00\xFE\xFF") {
        return Err(ScanError::Encoding(
            "UTF-32 text is not read: save it as UTF-8",
        ));
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        (utf16(rest, true)?, TextEncoding::Utf16LeBom)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        (utf16(rest, false)?, TextEncoding::Utf16BeBom)
    } else if bytes.iter().take(65_536).any(|b| *b == 0) {
        match utf16_without_bom(bytes) {
            Some(true) => (utf16(bytes, true)?, TextEncoding::Utf16Le),
            Some(false) => (utf16(bytes, false)?, TextEncoding::Utf16Be),
            None => return Err(ScanError::Binary("binary data")),
        }
    } else if let Ok(t) = std::str::from_utf8(bytes) {
        (t.to_owned(), TextEncoding::Utf8)
    } else {
        legacy(bytes)?
    };
    if looks_binary(&text) {
        return Err(ScanError::Binary("binary data"));
    }
    Ok(Decoded { text, encoding })
}

fn legacy(bytes: &[u8]) -> Result<(String, TextEncoding), ScanError> {
    let control = bytes
        .iter()
        .take(65_536)
        .filter(|b| **b < 0x20 && !matches!(**b, b'\n' | b'\r' | b'\t' | 0x0C | 0x1B))
        .count();
    if control * 100 > bytes.len().min(65_536) {
        return Err(ScanError::Binary("binary data"));
    }
    for (enc, which) in [
        (encoding_rs::BIG5, TextEncoding::Big5),
        (encoding_rs::GB18030, TextEncoding::Gb18030),
    ] {
        if let Some(t) = enc.decode_without_bom_handling_and_without_replacement(bytes) {
            return Ok((t.into_owned(), which));
        }
    }
    let (t, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
    Ok((t.into_owned(), TextEncoding::Windows1252))
}

/// Encodes `text` as `encoding` (with its BOM when the original had one).
#[must_use]
pub fn encode(text: &str, encoding: TextEncoding) -> Vec<u8> {
    match encoding {
        TextEncoding::Utf8 => text.as_bytes().to_vec(),
        TextEncoding::Utf8Bom => {
            let mut v = b"\xEF\xBB\xBF".to_vec();
            v.extend_from_slice(text.as_bytes());
            v
        }
        TextEncoding::Utf16LeBom | TextEncoding::Utf16Le => {
            let mut v = if encoding == TextEncoding::Utf16LeBom {
                vec![0xFF, 0xFE]
            } else {
                Vec::new()
            };
            for u in text.encode_utf16() {
                v.extend_from_slice(&u.to_le_bytes());
            }
            v
        }
        TextEncoding::Utf16BeBom | TextEncoding::Utf16Be => {
            let mut v = if encoding == TextEncoding::Utf16BeBom {
                vec![0xFE, 0xFF]
            } else {
                Vec::new()
            };
            for u in text.encode_utf16() {
                v.extend_from_slice(&u.to_be_bytes());
            }
            v
        }
        TextEncoding::Big5 => encoding_rs::BIG5.encode(text).0.into_owned(),
        TextEncoding::Gb18030 => encoding_rs::GB18030.encode(text).0.into_owned(),
        TextEncoding::Windows1252 => encoding_rs::WINDOWS_1252.encode(text).0.into_owned(),
    }
}

/// Decodes `bytes` in the charset a vCard names (`CHARSET=…`), UTF-8 when none; bytes that do
/// not decode in it are read as Windows-1252.
#[must_use]
pub fn decode_charset(bytes: &[u8], charset: Option<&str>) -> String {
    let enc = charset
        .and_then(|c| encoding_rs::Encoding::for_label(c.trim().as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    match enc.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(t) => t.into_owned(),
        None => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boms_and_utf16() {
        let d = decode(b"\xEF\xBB\xBFName,Phone\n").unwrap();
        assert_eq!(
            (d.text.as_str(), d.encoding),
            ("Name,Phone\n", TextEncoding::Utf8Bom)
        );
        let le = encode("名,電話\n", TextEncoding::Utf16LeBom);
        let d = decode(&le).unwrap();
        assert_eq!(d.text, "名,電話\n");
        assert_eq!(d.encoding, TextEncoding::Utf16LeBom);
        let be = encode("Name,Phone\n", TextEncoding::Utf16Be);
        let d = decode(&be).unwrap();
        assert_eq!(
            (d.text.as_str(), d.encoding),
            ("Name,Phone\n", TextEncoding::Utf16Be)
        );
        assert!(matches!(
            decode(&le[..le.len() - 1]),
            Err(ScanError::Truncated(_))
        ));
    }

    #[test]
    fn legacy_and_binary() {
        let big5 = encoding_rs::BIG5
            .encode("釘釘客服,30012345\n")
            .0
            .into_owned();
        let d = decode(&big5).unwrap();
        assert_eq!(
            (d.text.as_str(), d.encoding),
            ("釘釘客服,30012345\n", TextEncoding::Big5)
        );
        assert_eq!(encode(&d.text, d.encoding), big5);
        let mut junk: Vec<u8> = (0u8..=255).cycle().take(4000).collect();
        junk[0] = 1;
        assert!(matches!(decode(&junk), Err(ScanError::Binary(_))));
        assert_eq!(decode_charset(b"caf\xE9", Some("ISO-8859-1")), "café");
        assert_eq!(decode_charset("客服".as_bytes(), None), "客服");
        assert_eq!(decode_charset(b"caf\xE9", Some("UTF-8")), "café");
    }
}
