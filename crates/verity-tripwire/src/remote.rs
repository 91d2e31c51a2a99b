//! Remote-access programs, recognised by a running process or by an installer in Downloads.
//!
//! The table ([`ToolTable`]) is JSON: the one built in (`tools.json`, real executable names and
//! install paths on Windows, macOS and Linux) or a newer one from the signed feed, checked by
//! [`ToolTable::parse`] like any outside data. All names in it are lower case; what is matched
//! against it is lowered first, so `AnyDesk.exe`, `anydesk` and `/Applications/AnyDesk.app/…`
//! are one tool.

use serde::{Deserialize, Serialize};

/// The table built into this version of Verity.
const BUILTIN: &str = include_str!("tools.json");

/// Most tools in a table.
pub const MAX_TOOLS: usize = 256;
/// Most names in one of a tool's lists.
pub const MAX_NAMES: usize = 32;
/// Most characters in a name.
pub const MAX_NAME_CHARS: usize = 128;
/// Most bytes of a table's JSON.
pub const MAX_TABLE_BYTES: usize = 256 * 1024;

/// Extensions of installers and of archives that carry one.
const INSTALLER_EXTENSIONS: &[&str] = &[
    ".exe",
    ".msi",
    ".msix",
    ".dmg",
    ".pkg",
    ".deb",
    ".rpm",
    ".appimage",
    ".zip",
];
/// Suffixes browsers give a download in progress.
const PARTIAL_SUFFIXES: &[&str] = &[".crdownload", ".part", ".partial", ".download"];

/// A remote-access program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// A stable id (`anydesk`): what a policy names to declare a tool in use.
    pub id: String,
    /// Its name, as people know it.
    pub name: String,
    /// Executable names as the OS lists the process, without `.exe`.
    pub processes: Vec<String>,
    /// Fragments of install paths (`/` separators) that only this tool's files have.
    pub paths: Vec<String>,
    /// How its installers' file names begin.
    pub installers: Vec<String>,
}

/// The remote-access programs Verity recognises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolTable {
    /// The table's version (a newer one from the feed replaces an older one).
    pub version: u32,
    /// The tools.
    pub tools: Vec<Tool>,
}

/// Why a tool table is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// Not the table's JSON.
    #[error("the tool table is not valid: {0}")]
    Json(String),
    /// Over a size limit.
    #[error("the tool table is too large: {0}")]
    TooLarge(&'static str),
    /// A tool's id or names are not as the table requires.
    #[error("tool {tool:?}: {what}")]
    Tool {
        /// The tool's id (or its position).
        tool: String,
        /// What is wrong.
        what: &'static str,
    },
}

/// Most characters in a tool's display name.
pub const MAX_DISPLAY_NAME_CHARS: usize = 48;
/// Fewest characters in a path fragment (a shorter one, `/a/`, would match everything).
pub const MIN_PATH_CHARS: usize = 5;

/// A character a tool's display name may hold.
fn display_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, ' ' | '(' | ')' | '.' | '-' | '_' | '+' | '\'')
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= MAX_NAME_CHARS
        && s.trim() == s
        && !s.chars().any(|c| c.is_control() || c.is_uppercase())
}

impl ToolTable {
    /// The table built into this version of Verity.
    #[must_use]
    pub fn builtin() -> ToolTable {
        // Parsed and checked by `the_builtin_table_parses_and_is_checked`: it cannot fail.
        ToolTable::parse(BUILTIN.as_bytes()).unwrap_or(ToolTable {
            version: 0,
            tools: Vec::new(),
        })
    }

    /// Reads and checks a table: sizes, unique ids (`a-z`, `0-9`, `-`), lower-case names without
    /// control characters, and at least one process or installer name per tool.
    ///
    /// # Errors
    /// [`TableError`] naming the first problem.
    pub fn parse(bytes: &[u8]) -> Result<ToolTable, TableError> {
        if bytes.len() > MAX_TABLE_BYTES {
            return Err(TableError::TooLarge("over 256 KiB"));
        }
        let table: ToolTable =
            serde_json::from_slice(bytes).map_err(|e| TableError::Json(e.to_string()))?;
        if table.tools.len() > MAX_TOOLS {
            return Err(TableError::TooLarge("over 256 tools"));
        }
        for (i, t) in table.tools.iter().enumerate() {
            let bad = |what| TableError::Tool {
                tool: if t.id.is_empty() {
                    format!("#{i}")
                } else {
                    t.id.clone()
                },
                what,
            };
            if t.id.is_empty()
                || t.id.len() > 64
                || !t
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(bad("the id must be 1 to 64 characters of a-z, 0-9 and -"));
            }
            if table.tools[..i].iter().any(|o| o.id == t.id) {
                return Err(bad("the id is given twice"));
            }
            // The name is shown in an urgent alert: a product name, never instructions, a
            // phone number or markup for the notification server.
            if t.name.trim().is_empty()
                || t.name.chars().count() > MAX_DISPLAY_NAME_CHARS
                || !t.name.chars().all(display_char)
                || t.name.chars().filter(char::is_ascii_digit).count() > 4
            {
                return Err(bad(
                    "the name must be 1 to 48 letters, digits (at most 4), spaces or ().-_+'",
                ));
            }
            if t.paths.iter().any(|p| p.chars().count() < MIN_PATH_CHARS) {
                return Err(bad("a path fragment must have at least 5 characters"));
            }
            let lists = [&t.processes, &t.paths, &t.installers];
            if lists.iter().any(|l| l.len() > MAX_NAMES) {
                return Err(bad("at most 32 names in a list"));
            }
            if !lists.iter().all(|l| l.iter().all(|n| valid_name(n))) {
                return Err(bad(
                    "names are lower case, 1 to 128 characters, without control characters",
                ));
            }
            if t.processes.is_empty() && t.installers.is_empty() {
                return Err(bad("a tool needs a process or an installer name"));
            }
        }
        Ok(table)
    }

    /// The tool a running process belongs to: by its executable's file name (`AnyDesk.exe`,
    /// `anydesk`); else, for a portable copy run from where it was downloaded, by its
    /// installer's name (`AnyDesk (1).exe`, `RustDesk-1.3.2.exe`); else by a fragment of its
    /// path.
    #[must_use]
    pub fn process(&self, exe_name: &str, exe_path: Option<&str>) -> Option<&Tool> {
        let name = file_name(exe_name).to_lowercase();
        let name = name.strip_suffix(".exe").unwrap_or(&name);
        if let Some(t) = self
            .tools
            .iter()
            .find(|t| t.processes.iter().any(|p| p == name))
        {
            return Some(t);
        }
        if let Some(t) = self.by_installer_name(name) {
            return Some(t);
        }
        let path = exe_path?.to_lowercase().replace('\\', "/");
        self.tools
            .iter()
            .find(|t| t.paths.iter().any(|p| path.contains(p.as_str())))
    }

    /// The tool whose installer names begin `stem`, followed by anything but a letter.
    fn by_installer_name(&self, stem: &str) -> Option<&Tool> {
        self.tools.iter().find(|t| {
            t.installers.iter().any(|prefix| {
                stem.strip_prefix(prefix.as_str())
                    .is_some_and(|rest| !rest.starts_with(char::is_alphabetic))
            })
        })
    }

    /// The tool a downloaded file installs: an installer's or archive's extension, and a name
    /// that begins with one of the tool's installer names followed by anything but a letter
    /// (`TeamViewer_Setup_x64.exe`, `rustdesk-1.3.2-x86_64.exe`, `AnyDesk (1).exe`, and the
    /// same while the browser still writes it, `….exe.crdownload`).
    #[must_use]
    pub fn installer(&self, file_name_: &str) -> Option<&Tool> {
        let mut name = file_name(file_name_).to_lowercase();
        for suffix in PARTIAL_SUFFIXES {
            if let Some(stripped) = name.strip_suffix(suffix) {
                name = stripped.to_owned();
                break;
            }
        }
        let ext = INSTALLER_EXTENSIONS.iter().find(|e| name.ends_with(*e))?;
        self.by_installer_name(&name[..name.len() - ext.len()])
    }

    /// This table with `more`'s tools added (a newer table from the organisation's feed): a new
    /// tool is appended; for a tool both know, the names of both are kept. Nothing in `self` is
    /// removed or renamed, so a table from outside can widen what is recognised, never narrow
    /// it. The version is the higher of the two.
    #[must_use]
    pub fn with_additions(&self, more: &ToolTable) -> ToolTable {
        let mut out = self.clone();
        out.version = self.version.max(more.version);
        for t in &more.tools {
            match out.tools.iter_mut().find(|o| o.id == t.id) {
                Some(o) => {
                    for (mine, theirs) in [
                        (&mut o.processes, &t.processes),
                        (&mut o.paths, &t.paths),
                        (&mut o.installers, &t.installers),
                    ] {
                        for n in theirs {
                            if !mine.contains(n) {
                                mine.push(n.clone());
                            }
                        }
                    }
                }
                None => out.tools.push(t.clone()),
            }
        }
        out
    }

    /// The tool with this id.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Tool> {
        self.tools.iter().find(|t| t.id == id)
    }
}

/// The last component of a path, with either separator.
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

#[cfg(test)]
mod tests;
