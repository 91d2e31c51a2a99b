//! A small PDF writer for the drill report: A4 pages of text lines in one font, PDF's predefined
//! CJK font `STSong-Light` (Adobe-GB1, encoding `UniGB-UCS2-H`: every viewer has it or a
//! substitute, nothing to embed), which holds Latin, Simplified and Traditional Chinese. Each
//! string is UCS-2, and a `ToUnicode` map makes every character searchable and extractable (Arabic
//! and other scripts outside the collection too: they survive in the text layer, but the font has
//! no glyphs for them).

use std::fmt::Write as _;

/// A4 in points.
const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 40.0;

/// One line of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The text.
    pub text: String,
    /// Font size in points.
    pub size: f32,
}

impl Line {
    /// A heading.
    #[must_use]
    pub fn heading(text: impl Into<String>) -> Line {
        Line {
            text: text.into(),
            size: 16.0,
        }
    }

    /// Body text.
    #[must_use]
    pub fn body(text: impl Into<String>) -> Line {
        Line {
            text: text.into(),
            size: 10.0,
        }
    }
}

/// The width of `c` in thousandths of the size: half-width for ASCII (CIDs 1–95), full
/// otherwise.
fn width(c: char) -> f32 {
    if (' '..='~').contains(&c) {
        0.5
    } else {
        1.0
    }
}

/// Splits lines longer than the page into several.
fn wrap(lines: &[Line]) -> Vec<Line> {
    let max = PAGE_W - 2.0 * MARGIN;
    let mut out = Vec::new();
    for l in lines {
        let mut cur = String::new();
        let mut w = 0.0;
        for c in l.text.chars() {
            let cw = width(c) * l.size;
            if w + cw > max && !cur.is_empty() {
                out.push(Line {
                    text: std::mem::take(&mut cur),
                    size: l.size,
                });
                w = 0.0;
            }
            cur.push(c);
            w += cw;
        }
        out.push(Line {
            text: cur,
            size: l.size,
        });
    }
    out
}

/// `s` as a hex string of UCS-2 code units (characters beyond the BMP become `?`; control
/// characters a space).
fn hex_ucs2(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 4 + 2);
    out.push('<');
    for c in s.chars() {
        let u = u32::from(c);
        let u = if u > 0xFFFF {
            u32::from('?')
        } else if c.is_control() {
            0x20
        } else {
            u
        };
        let _ = write!(out, "{u:04X}");
    }
    out.push('>');
    out
}

/// The `ToUnicode` map: each 2-byte code is its own UCS-2 character.
fn to_unicode() -> String {
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let rows: Vec<u32> = (0..=0xFFu32)
        .filter(|h| !(0xD8..=0xDF).contains(h))
        .collect();
    for chunk in rows.chunks(100) {
        let _ = writeln!(s, "{} beginbfrange", chunk.len());
        for h in chunk {
            let _ = writeln!(s, "<{h:02X}00> <{h:02X}FF> <{h:02X}00>");
        }
        s.push_str("endbfrange\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s
}

/// The PDF of `lines` (`title` in its document information).
#[must_use]
pub fn render(title: &str, lines: &[Line]) -> Vec<u8> {
    let lines = wrap(lines);
    // Pages of lines.
    let mut pages: Vec<Vec<(f32, &Line)>> = vec![Vec::new()];
    let mut y = PAGE_H - MARGIN;
    for l in &lines {
        let step = l.size * 1.5;
        if y - step < MARGIN {
            pages.push(Vec::new());
            y = PAGE_H - MARGIN;
        }
        y -= step;
        if let Some(p) = pages.last_mut() {
            p.push((y, l));
        }
    }
    // Objects: 1 catalog, 2 pages, 3 font, 4 CID font, 5 descriptor, 6 ToUnicode, 7 info,
    // then a page and its content per page.
    let mut objects: Vec<String> = Vec::new();
    let first_page = 8;
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", first_page + 2 * i))
        .collect();
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    objects.push(format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        kids.join(" "),
        pages.len()
    ));
    objects.push(
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light-UniGB-UCS2-H \
         /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] /ToUnicode 6 0 R >>"
            .into(),
    );
    objects.push(
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light \
         /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> \
         /FontDescriptor 5 0 R /DW 1000 /W [1 95 500] >>"
            .into(),
    );
    objects.push(
        "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 \
         /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 \
         /CapHeight 880 /StemV 93 >>"
            .into(),
    );
    let cmap = to_unicode();
    objects.push(format!(
        "<< /Length {} >>\nstream\n{cmap}endstream",
        cmap.len()
    ));
    objects.push(format!(
        "<< /Title {} /Producer (Verity desk) >>",
        hex_title(title)
    ));
    for (i, page) in pages.iter().enumerate() {
        let mut content = String::new();
        for (y, l) in page {
            let _ = writeln!(
                content,
                "BT /F1 {:.1} Tf {MARGIN:.1} {y:.1} Td {} Tj ET",
                l.size,
                hex_ucs2(&l.text)
            );
        }
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] \
             /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            first_page + 2 * i + 1
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ));
    }
    let mut out: Vec<u8> = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    let mut tail = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for o in offsets {
        let _ = writeln!(tail, "{o:010} 00000 n ");
    }
    let _ = write!(
        tail,
        "trailer\n<< /Size {} /Root 1 0 R /Info 7 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.extend_from_slice(tail.as_bytes());
    out
}

/// A text string for the document information: UTF-16BE with its byte-order mark, hex.
fn hex_title(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for u in s.encode_utf16() {
        let _ = write!(out, "{u:04X}");
    }
    out.push('>');
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_pdf_has_its_objects_and_text() {
        let mut lines = vec![
            Line::heading("Drill 演習"),
            Line::body("Team 銷售部 مبيعات"),
        ];
        for i in 0..120 {
            lines.push(Line::body(format!("line {i} {}", "x".repeat(200))));
        }
        let pdf = render("Drill", &lines);
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-1.7"));
        assert!(text.trim_end().ends_with("%%EOF"));
        // 演 is U+6F14, 銷 U+92B7, م U+0645.
        assert!(text.contains("6F14") && text.contains("92B7") && text.contains("0645"));
        let count: usize = text
            .split("/Count ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(count > 1, "wrapped over several pages");
        // The xref's offsets point at the objects.
        let start: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|s| s.lines().next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(pdf[start..].starts_with(b"xref"));
        let tail = std::str::from_utf8(&pdf[start..]).unwrap();
        let first = tail.lines().nth(3).unwrap();
        let off: usize = first[..10].parse().unwrap();
        assert!(pdf[off..].starts_with(b"1 0 obj"));
    }
}
