//! Tables (CSV rows, spreadsheet rows) to entries: header detection in English, Chinese and
//! Arabic, Google's and Outlook's column layouts, and rows without a header.

use std::collections::BTreeMap;

use verity_check::message;
use verity_core::link;
use verity_core::phone::{self, Region};

use super::{ClaimMode, Location, RawEntry};

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Role {
    /// The whole name.
    FullName,
    /// Part of the name: 0 given, 1 middle, 2 family.
    NamePart(u8),
    /// Phone numbers. `group` ties a Google `Phone 1 - Value` to its `Phone 1 - Label`;
    /// `label` is the header's own text when it says what kind of phone (Outlook).
    Phone {
        group: Option<String>,
        label: Option<String>,
    },
    /// The label of a phone group (Google `Phone 1 - Label`).
    PhoneLabel(String),
    /// Labels, groups, categories.
    Labels,
    /// The organisation.
    Org,
    /// Notes.
    Note,
    /// Web links.
    Url,
    /// Anything else.
    Ignore,
}

fn norm_header(h: &str) -> String {
    let t = h
        .trim_matches(|c: char| c.is_whitespace() || c == '"' || c == '\u{feff}')
        .trim_end_matches([':', '：'])
        .to_lowercase();
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

const FULL_NAME: &[&str] = &[
    "name",
    "full name",
    "display name",
    "contact",
    "contact name",
    "nickname",
    "file as",
    "姓名",
    "名字",
    "名稱",
    "名称",
    "全名",
    "聯絡人",
    "联系人",
    "聯絡人名稱",
    "联系人名称",
    "顯示名稱",
    "显示名称",
    "暱稱",
    "昵称",
    "الاسم",
    "الاسم الكامل",
    "اسم جهة الاتصال",
    "جهة الاتصال",
];
const GIVEN: &[&str] = &["first name", "given name", "名", "الاسم الأول", "الاسم الاول"];
const MIDDLE: &[&str] = &[
    "middle name",
    "additional name",
    "中間名",
    "中间名",
    "الاسم الأوسط",
];
const FAMILY: &[&str] = &[
    "last name",
    "family name",
    "surname",
    "姓",
    "姓氏",
    "اسم العائلة",
    "الكنية",
];
const ORG: &[&str] = &[
    "company",
    "company name",
    "organization",
    "organisation",
    "organization name",
    "organisation name",
    "org",
    "公司",
    "公司名稱",
    "公司名称",
    "機構",
    "机构",
    "單位",
    "单位",
    "組織",
    "组织",
    "الشركة",
    "المؤسسة",
    "جهة العمل",
];
const NOTE: &[&str] = &[
    "notes",
    "note",
    "remarks",
    "remark",
    "comment",
    "comments",
    "description",
    "memo",
    "備註",
    "备注",
    "附註",
    "附注",
    "說明",
    "说明",
    "ملاحظات",
    "ملاحظة",
    "تعليق",
];
const LABELS: &[&str] = &[
    "labels",
    "label",
    "group membership",
    "groups",
    "group",
    "categories",
    "category",
    "tags",
    "tag",
    "type",
    "標籤",
    "标签",
    "類別",
    "类别",
    "分類",
    "分类",
    "分組",
    "分组",
    "群組",
    "群组",
    "التصنيف",
    "الفئة",
    "المجموعة",
    "النوع",
];
const URL: &[&str] = &[
    "website",
    "web site",
    "web page",
    "webpage",
    "url",
    "link",
    "homepage",
    "網站",
    "网站",
    "網址",
    "网址",
    "連結",
    "链接",
    "الموقع",
    "الموقع الإلكتروني",
    "الرابط",
];
/// Words that make a header a phone column (the header then labels the numbers).
const PHONE_WORDS: &[&str] = &[
    "phone",
    "mobile",
    "telephone",
    "tel",
    "tel.",
    "cell",
    "fax",
    "pager",
    "hotline",
    "whatsapp",
    "number",
    "手機",
    "手机",
    "電話",
    "电话",
    "號碼",
    "号码",
    "熱線",
    "热线",
    "聯絡電話",
    "联系电话",
    "هاتف",
    "الهاتف",
    "جوال",
    "الجوال",
    "رقم",
    "محمول",
    "الموبايل",
];

fn is_phone_header(h: &str) -> bool {
    let words: Vec<&str> = h
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .collect();
    PHONE_WORDS.iter().any(|w| {
        if w.is_ascii() {
            words.iter().any(|x| x == w)
        } else {
            h.contains(w)
        }
    }) || h.contains("phone")
}

/// What a header cell names.
pub(crate) fn classify(header: &str) -> Role {
    let h = norm_header(header);
    if h.is_empty() {
        return Role::Ignore;
    }
    // Google: "Phone 1 - Label", "Phone 1 - Value", "Website 1 - Value", "Organization 1 - Name".
    if let Some((group, part)) = h.rsplit_once(" - ") {
        let kind = group.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
        return match (kind, part) {
            ("phone", "value") => Role::Phone {
                group: Some(group.to_owned()),
                label: None,
            },
            ("phone", "type" | "label") => Role::PhoneLabel(group.to_owned()),
            ("website", "value") => Role::Url,
            ("organization" | "organisation", "name") => Role::Org,
            _ => Role::Ignore,
        };
    }
    let is = |list: &[&str]| list.contains(&h.as_str());
    if is(FULL_NAME) {
        Role::FullName
    } else if is(GIVEN) {
        Role::NamePart(0)
    } else if is(MIDDLE) {
        Role::NamePart(1)
    } else if is(FAMILY) {
        Role::NamePart(2)
    } else if is(ORG) {
        Role::Org
    } else if is(NOTE) {
        Role::Note
    } else if is(LABELS) {
        Role::Labels
    } else if is(URL) {
        Role::Url
    } else if h.contains("mail") || h.contains("郵") || h.contains("邮") || h.contains("بريد")
    {
        Role::Ignore
    } else if is_phone_header(&h) {
        Role::Phone {
            group: None,
            label: Some(header.trim().to_owned()),
        }
    } else {
        Role::Ignore
    }
}

/// A table's header: one role per column.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    roles: Vec<Role>,
    /// For each Google phone group, the column of its `Phone N - Label` (the first one).
    group_labels: BTreeMap<String, usize>,
}

/// A row's filled cells (not blank), in column order: (column, text). Sparse, so that a cell far
/// to the right costs one cell, not the row's width.
pub(crate) type Cells<'a> = [(usize, &'a str)];

fn is_number_cell(cell: &str, region: Region) -> bool {
    let t = cell.trim();
    !t.is_empty() && phone::normalize(t, region).is_ok()
}

/// The filled cells of a dense record (a CSV row).
pub(crate) fn filled<'a>(cells: impl IntoIterator<Item = &'a str>) -> Vec<(usize, &'a str)> {
    cells
        .into_iter()
        .enumerate()
        .filter(|(_, c)| !c.trim().is_empty())
        .collect()
}

impl Header {
    /// The row as a header, when it has at least two different cells, names at least one phone
    /// or link column and holds no phone number itself.
    pub(crate) fn detect(cells: &Cells<'_>, region: Region) -> Option<Header> {
        // A title row ("Department phone list") is one cell, or one cell merged across.
        let mut distinct: Vec<&str> = cells.iter().map(|(_, c)| c.trim()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 2 {
            return None;
        }
        let width = cells.last().map_or(0, |(c, _)| c.saturating_add(1));
        let mut roles: Vec<Role> = vec![Role::Ignore; width];
        for (c, text) in cells {
            if let Some(slot) = roles.get_mut(*c) {
                *slot = classify(text);
            }
        }
        let has_items = roles
            .iter()
            .any(|r| matches!(r, Role::Phone { .. } | Role::Url));
        let any_number = cells.iter().any(|(_, c)| is_number_cell(c, region));
        let mut group_labels = BTreeMap::new();
        for (i, r) in roles.iter().enumerate() {
            if let Role::PhoneLabel(g) = r {
                group_labels.entry(g.clone()).or_insert(i);
            }
        }
        (has_items && !any_number).then_some(Header {
            roles,
            group_labels,
        })
    }

    /// The entry a data row makes, or none for a row without numbers or links. Cells past the
    /// header's last column are not read.
    pub(crate) fn entry(
        &self,
        cells: &Cells<'_>,
        location: &Location,
        region: Region,
    ) -> Option<RawEntry> {
        let mut e = RawEntry::new(location.clone(), ClaimMode::Contact);
        let mut parts: [Option<&str>; 3] = [None; 3];
        for (i, raw) in cells {
            let Some(role) = self.roles.get(*i) else {
                break;
            };
            let v = raw.trim();
            if v.is_empty() {
                continue;
            }
            let number_column = matches!(role, Role::Phone { .. } | Role::PhoneLabel(_));
            if !number_column && is_number_cell(v, region) {
                // A number in a "Contact" or unnamed column is still a saved number.
                e.push_number(v, None, location.clone());
                continue;
            }
            match role {
                Role::FullName => {
                    if e.name.is_none() {
                        e.name = Some(v.to_owned());
                    }
                }
                Role::NamePart(p) => parts[usize::from(*p).min(2)] = Some(v),
                Role::Org => join_opt(&mut e.org, v),
                Role::Note => join_opt(&mut e.note, v),
                Role::Labels => {
                    for x in v.split(":::").flat_map(|x| x.split([',', ';', '、', '，'])) {
                        e.push_label(x.trim().trim_start_matches('*').trim());
                    }
                }
                Role::Url => {
                    for piece in v.split(":::") {
                        e.push_link(piece, location.clone());
                    }
                }
                Role::Phone { group, label } => {
                    let label = group
                        .as_ref()
                        .and_then(|g| self.group_label(g, cells))
                        .or_else(|| label.clone());
                    for piece in v.split(":::").flat_map(|x| x.split(['\n', '\r'])) {
                        push_cell_numbers(&mut e, piece, label.clone(), location, region);
                    }
                }
                Role::PhoneLabel(_) | Role::Ignore => {}
            }
        }
        if e.name.is_none() {
            let joined: Vec<&str> = parts.iter().flatten().copied().collect();
            if !joined.is_empty() {
                e.name = Some(joined.join(" "));
            }
        }
        e.take_items_from_note(region);
        (!e.numbers.is_empty() || !e.links.is_empty()).then_some(e)
    }

    fn group_label(&self, group: &str, cells: &Cells<'_>) -> Option<String> {
        let col = *self.group_labels.get(group)?;
        let at = cells.binary_search_by_key(&col, |(c, _)| *c).ok()?;
        cells
            .get(at)
            .map(|(_, c)| c.trim().trim_start_matches('*').trim().to_owned())
            .filter(|c| !c.is_empty())
    }
}

/// Appends `v` to a text field, a space between (in place: a row of many note columns stays
/// linear).
fn join_opt(field: &mut Option<String>, v: &str) {
    match field {
        Some(p) => {
            p.push(' ');
            p.push_str(v);
        }
        None => *field = Some(v.to_owned()),
    }
}

/// Adds the numbers of one cell: the cell itself when it is a number, else the numbers written
/// inside it ("3001 2345 / 9123 4567", "call 3001 2345"), else the cell as an unreadable number.
fn push_cell_numbers(
    e: &mut RawEntry,
    cell: &str,
    label: Option<String>,
    location: &Location,
    region: Region,
) {
    let t = cell.trim();
    if t.is_empty() {
        return;
    }
    if phone::normalize(t, region).is_ok() {
        e.push_number(t, label, location.clone());
        return;
    }
    let found = message::extract(t, region);
    if found.phones.is_empty() {
        if t.chars().filter(|c| phone::is_digit_char(*c)).count() >= 5 {
            e.push_number(t, label, location.clone());
        }
    } else {
        for p in found.phones {
            e.push_number(&p.text, label.clone(), location.clone());
        }
    }
}

/// The entry of a row in a table without a header: number cells are numbers, link cells are
/// links, numbers and links inside text cells count too, and the text cells are the entry's
/// name and note.
pub(crate) fn headerless_entry(
    cells: &Cells<'_>,
    location: &Location,
    region: Region,
) -> Option<RawEntry> {
    let mut e = RawEntry::new(location.clone(), ClaimMode::Contact);
    let mut texts: Vec<&str> = Vec::new();
    for (_, c) in cells {
        let t = c.trim();
        if t.is_empty() {
            continue;
        }
        if phone::normalize(t, region).is_ok() {
            e.push_number(t, None, location.clone());
            continue;
        }
        if !t.contains(char::is_whitespace) {
            if let Ok(u) = link::canonicalize(t) {
                if u.host_is_plausible() && (t.contains('/') || t.contains("www.")) {
                    e.push_link(t, location.clone());
                    continue;
                }
            }
        }
        let found = message::extract(t, region);
        for p in &found.phones {
            e.push_number(&p.text, None, location.clone());
        }
        for l in &found.links {
            e.push_link(&l.text, location.clone());
        }
        texts.push(t);
    }
    if e.numbers.is_empty() && e.links.is_empty() {
        return None;
    }
    e.name = texts.first().map(|t| (*t).to_owned());
    if texts.len() > 1 {
        e.note = Some(texts[1..].join(" | "));
    }
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_headers() {
        let phone = |label: Option<&str>| Role::Phone {
            group: None,
            label: label.map(str::to_owned),
        };
        assert_eq!(classify("Name"), Role::FullName);
        assert_eq!(classify("  First Name "), Role::NamePart(0));
        assert_eq!(classify("Last Name"), Role::NamePart(2));
        assert_eq!(
            classify("Phone 1 - Value"),
            Role::Phone {
                group: Some("phone 1".into()),
                label: None
            }
        );
        assert_eq!(
            classify("Phone 1 - Type"),
            Role::PhoneLabel("phone 1".into())
        );
        assert_eq!(
            classify("Phone 2 - Label"),
            Role::PhoneLabel("phone 2".into())
        );
        assert_eq!(classify("E-mail 1 - Value"), Role::Ignore);
        assert_eq!(classify("Business Phone"), phone(Some("Business Phone")));
        assert_eq!(classify("Mobile Phone"), phone(Some("Mobile Phone")));
        assert_eq!(classify("電話號碼"), phone(Some("電話號碼")));
        assert_eq!(classify("手机"), phone(Some("手机")));
        assert_eq!(classify("رقم الهاتف"), phone(Some("رقم الهاتف")));
        assert_eq!(classify("E-mail Address"), Role::Ignore);
        assert_eq!(classify("公司"), Role::Org);
        assert_eq!(classify("Organization Name"), Role::Org);
        assert_eq!(classify("備註"), Role::Note);
        assert_eq!(classify("Notes"), Role::Note);
        assert_eq!(classify("Labels"), Role::Labels);
        assert_eq!(classify("Group Membership"), Role::Labels);
        assert_eq!(classify("الاسم"), Role::FullName);
        assert_eq!(classify("Birthday"), Role::Ignore);
    }

    #[test]
    fn google_row() {
        let cells = |v: &[&'static str]| filled(v.iter().copied());
        let h = Header::detect(
            &cells(&[
                "Name",
                "Labels",
                "Phone 1 - Label",
                "Phone 1 - Value",
                "Notes",
            ]),
            Region::HK,
        )
        .unwrap();
        let loc = Location::Line { line: 2 };
        let e = h
            .entry(
                &cells(&[
                    "Hotline",
                    "* myContacts ::: Work",
                    "DingTalk",
                    "3001 2345 ::: +852 9123 4567",
                    "call 6123 4567",
                ]),
                &loc,
                Region::HK,
            )
            .unwrap();
        assert_eq!(e.name.as_deref(), Some("Hotline"));
        assert_eq!(e.labels, vec!["myContacts", "Work"]);
        let nums: Vec<_> = e.numbers.iter().map(|n| n.text.as_str()).collect();
        assert_eq!(nums, vec!["3001 2345", "+852 9123 4567", "6123 4567"]);
        assert_eq!(e.numbers[0].label.as_deref(), Some("DingTalk"));
        assert!(Header::detect(&cells(&["Chan", "9123 4567"]), Region::HK).is_none());
    }
}
