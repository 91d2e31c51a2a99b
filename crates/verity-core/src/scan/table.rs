//! Tables (CSV rows, spreadsheet rows) to entries: header detection in English, Chinese and
//! Arabic, Google's and Outlook's column layouts, and rows without a header.

use crate::link;
use crate::message;
use crate::phone::{self, Region};

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
}

fn is_number_cell(cell: &str, region: Region) -> bool {
    let t = cell.trim();
    !t.is_empty() && phone::normalize(t, region).is_ok()
}

impl Header {
    /// The row as a header, when it has at least two different cells, names at least one phone
    /// or link column and holds no phone number itself.
    pub(crate) fn detect(cells: &[String], region: Region) -> Option<Header> {
        // A title row ("Department phone list") is one cell, or one cell merged across.
        let mut distinct: Vec<&str> = cells
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 2 {
            return None;
        }
        let roles: Vec<Role> = cells.iter().map(|c| classify(c)).collect();
        let has_items = roles
            .iter()
            .any(|r| matches!(r, Role::Phone { .. } | Role::Url));
        let any_number = cells.iter().any(|c| is_number_cell(c, region));
        (has_items && !any_number).then_some(Header { roles })
    }

    /// The entry a data row makes, or none for a row without numbers or links.
    pub(crate) fn entry(
        &self,
        cells: &[String],
        location: &Location,
        region: Region,
    ) -> Option<RawEntry> {
        let mut e = RawEntry::new(location.clone(), ClaimMode::Contact);
        let mut parts: [Option<&str>; 3] = [None; 3];
        let cell = |i: usize| cells.get(i).map_or("", |c| c.trim());
        for (i, role) in self.roles.iter().enumerate() {
            let v = cell(i);
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
                Role::Org => e.org = Some(join_opt(e.org.take(), v)),
                Role::Note => e.note = Some(join_opt(e.note.take(), v)),
                Role::Labels => {
                    e.labels.extend(
                        v.split(":::")
                            .flat_map(|x| x.split([',', ';', '、', '，']))
                            .map(|x| x.trim().trim_start_matches('*').trim().to_owned())
                            .filter(|x| !x.is_empty()),
                    );
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

    fn group_label(&self, group: &str, cells: &[String]) -> Option<String> {
        self.roles.iter().enumerate().find_map(|(i, r)| match r {
            Role::PhoneLabel(g) if g == group => cells
                .get(i)
                .map(|c| c.trim().trim_start_matches('*').trim().to_owned())
                .filter(|c| !c.is_empty()),
            _ => None,
        })
    }
}

fn join_opt(prev: Option<String>, v: &str) -> String {
    match prev {
        Some(p) => format!("{p} {v}"),
        None => v.to_owned(),
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
    cells: &[String],
    location: &Location,
    region: Region,
) -> Option<RawEntry> {
    let mut e = RawEntry::new(location.clone(), ClaimMode::Contact);
    let mut texts: Vec<&str> = Vec::new();
    for c in cells {
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
        let cells = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
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
