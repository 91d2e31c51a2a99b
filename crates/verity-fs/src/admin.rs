//! Administrator-only files: a file an administrator deployed (the provisioning file, the root
//! file it names) is trusted only when an administrator owns it and every folder above it, and
//! nobody else may change any of them, as sudo and ssh judge their configuration.
//!
//! - Unix: the file and each folder up to `/` are owned by root (uid 0) and have no group or
//!   other write bit (a world-writable folder is refused even with the sticky bit).
//! - Windows: the file and each folder up to the drive's root are owned by Administrators
//!   (S-1-5-32-544), SYSTEM (S-1-5-18) or TrustedInstaller (the owner of `C:\` itself), and their
//!   DACL grants no other principal a right that changes them: on the file any write, delete or
//!   ACL/owner change; on a folder delete, delete-child or ACL/owner change. Creating new entries
//!   in a folder stays allowed (Windows lets every user add folders under `C:\` and
//!   `%ProgramData%`): a planted entry is a file or folder its planter owns, which this check
//!   refuses when it is read.
//!
//! The path is resolved first (symlinks followed), and the resolved file and its folders are
//! judged: a link planted in an administrator's folder needed an administrator to plant it.

use std::io;
use std::path::{Path, PathBuf};

/// Why a file is not trusted as the administrator's.
#[derive(Debug, thiserror::Error)]
pub enum AdminOnlyError {
    /// The file or one of its folders could not be inspected.
    #[error("{path} could not be inspected: {source}")]
    Inspect {
        /// The file or folder.
        path: PathBuf,
        /// The system's error.
        #[source]
        source: io::Error,
    },
    /// The file or a folder above it is not owned by an administrator.
    #[error(
        "{path} is owned by {owner}, not by an administrator: only a file an administrator owns, \
         in folders an administrator owns, is trusted"
    )]
    NotAdminOwned {
        /// The file or folder.
        path: PathBuf,
        /// Its owner (a uid, or a SID on Windows).
        owner: String,
    },
    /// Someone other than an administrator may change the file or a folder above it.
    #[error(
        "{path} may be changed by {who}, not only by an administrator: only a file nobody else \
         may change, in folders nobody else may change, is trusted"
    )]
    WritableByOthers {
        /// The file or folder.
        path: PathBuf,
        /// Who may change it ("group or other users" on Unix, a SID on Windows).
        who: String,
    },
}

/// Checks that `path` is the administrator's (see the module docs) and returns its resolved
/// path, the one to read.
///
/// # Errors
/// [`AdminOnlyError`] naming the file or folder that fails, and why.
pub fn check_admin_only(path: &Path) -> Result<PathBuf, AdminOnlyError> {
    #[cfg(unix)]
    {
        check_owned_by(path, 0)
    }
    #[cfg(windows)]
    {
        crate::windows_admin::check_admin_only(path)
    }
    #[cfg(not(any(unix, windows)))]
    {
        Err(AdminOnlyError::Inspect {
            path: path.to_path_buf(),
            source: io::Error::from(io::ErrorKind::Unsupported),
        })
    }
}

#[cfg(unix)]
fn inspect(path: &Path) -> impl FnOnce(io::Error) -> AdminOnlyError + '_ {
    move |source| AdminOnlyError::Inspect {
        path: path.to_path_buf(),
        source,
    }
}

/// The Unix rule for one file or folder: owned by root or `owner`, no group or other write bit.
#[cfg(unix)]
fn judge_unix(path: &Path, uid: u32, mode: u32, owner: u32) -> Result<(), AdminOnlyError> {
    if uid != 0 && uid != owner {
        return Err(AdminOnlyError::NotAdminOwned {
            path: path.to_path_buf(),
            owner: format!("uid {uid}"),
        });
    }
    if mode & 0o022 != 0 {
        return Err(AdminOnlyError::WritableByOthers {
            path: path.to_path_buf(),
            who: if mode & 0o002 != 0 {
                "every user".to_owned()
            } else {
                "its group".to_owned()
            },
        });
    }
    Ok(())
}

/// [`check_admin_only`] on Unix with `owner` as the administrator besides root (0 in
/// [`check_admin_only`]; tests name another uid to see a file owned by the wrong user refused).
///
/// # Errors
/// As [`check_admin_only`].
#[cfg(unix)]
pub fn check_owned_by(path: &Path, owner: u32) -> Result<PathBuf, AdminOnlyError> {
    use std::os::unix::fs::MetadataExt;
    let resolved = std::fs::canonicalize(path).map_err(inspect(path))?;
    for p in resolved.ancestors() {
        let meta = std::fs::metadata(p).map_err(inspect(p))?;
        judge_unix(p, meta.uid(), meta.mode(), owner)?;
    }
    Ok(resolved)
}

/// The Windows rule, judged on SID strings and masks (compiled everywhere, so that its tests
/// run on every OS).
#[cfg_attr(not(windows), allow(dead_code))]
pub(crate) mod acl {
    use super::AdminOnlyError;
    use std::path::Path;

    /// What a Windows access-control entry says, as far as the check cares.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(crate) struct Ace {
        /// The ACE type (0: allowed, 1: denied, others: refused unless inherit-only).
        pub kind: u8,
        /// The ACE flags (inherit-only entries do not apply to the object itself).
        pub flags: u8,
        /// The rights.
        pub mask: u32,
        /// The trustee's SID as a string (`S-1-5-32-544`).
        pub sid: String,
    }

    /// The SIDs trusted as administrators: Administrators, SYSTEM, TrustedInstaller.
    pub(crate) const ADMIN_SIDS: [&str; 3] = [
        "S-1-5-32-544",
        "S-1-5-18",
        "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
    ];

    pub(crate) const INHERIT_ONLY: u8 = 0x08;
    pub(crate) const DELETE: u32 = 0x0001_0000;
    pub(crate) const WRITE_DAC: u32 = 0x0004_0000;
    const WRITE_OWNER: u32 = 0x0008_0000;
    pub(crate) const GENERIC_ALL: u32 = 0x1000_0000;
    const GENERIC_WRITE: u32 = 0x4000_0000;
    const MAXIMUM_ALLOWED: u32 = 0x0200_0000;
    /// FILE_WRITE_DATA, FILE_APPEND_DATA, FILE_WRITE_EA, FILE_WRITE_ATTRIBUTES.
    const FILE_WRITES: u32 = 0x0002 | 0x0004 | 0x0010 | 0x0100;
    pub(crate) const FILE_DELETE_CHILD: u32 = 0x0040;

    /// The rights no one but an administrator may hold: on a file, any change; on a folder, the
    /// rights that remove, rename or re-own what is in it.
    fn forbidden(dir: bool) -> u32 {
        let common =
            DELETE | WRITE_DAC | WRITE_OWNER | GENERIC_ALL | GENERIC_WRITE | MAXIMUM_ALLOWED;
        if dir {
            common | FILE_DELETE_CHILD
        } else {
            common | FILE_WRITES
        }
    }

    /// The Windows rule for one file or folder: its owner's SID and its DACL (`None`: a null DACL,
    /// which lets everyone do anything).
    pub(crate) fn judge_windows(
        path: &Path,
        owner: &str,
        dacl: Option<&[Ace]>,
        dir: bool,
    ) -> Result<(), AdminOnlyError> {
        if !ADMIN_SIDS.contains(&owner) {
            return Err(AdminOnlyError::NotAdminOwned {
                path: path.to_path_buf(),
                owner: owner.to_owned(),
            });
        }
        let Some(entries) = dacl else {
            return Err(AdminOnlyError::WritableByOthers {
                path: path.to_path_buf(),
                who: "everyone (no access control list)".to_owned(),
            });
        };
        let forbidden = forbidden(dir);
        for ace in entries {
            if ace.flags & INHERIT_ONLY != 0
                || ace.kind == 1
                || ADMIN_SIDS.contains(&ace.sid.as_str())
            {
                continue;
            }
            // An allowed entry with a forbidden right, or an entry of a kind not read here.
            if ace.kind != 0 || ace.mask & forbidden != 0 {
                return Err(AdminOnlyError::WritableByOthers {
                    path: path.to_path_buf(),
                    who: ace.sid.clone(),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::acl::*;
    use super::*;

    const USERS: &str = "S-1-5-32-545";
    const CREATOR_OWNER: &str = "S-1-3-0";

    fn ace(kind: u8, flags: u8, mask: u32, sid: &str) -> Ace {
        Ace {
            kind,
            flags,
            mask,
            sid: sid.to_owned(),
        }
    }

    #[test]
    fn windows_owner_must_be_an_administrator() {
        let p = Path::new("C:\\ProgramData\\Verity\\provisioning.json");
        let read_only = [ace(0, 0, 0x0012_0089, USERS)];
        assert!(judge_windows(p, "S-1-5-32-544", Some(&read_only), false).is_ok());
        assert!(judge_windows(p, "S-1-5-18", Some(&read_only), false).is_ok());
        let err = judge_windows(p, "S-1-5-21-1-2-3-1001", Some(&read_only), false).unwrap_err();
        assert!(
            matches!(&err, AdminOnlyError::NotAdminOwned { owner, .. } if owner == "S-1-5-21-1-2-3-1001"),
            "{err}"
        );
    }

    #[test]
    fn windows_writes_by_others_are_refused() {
        let p = Path::new("C:\\ProgramData\\Verity\\provisioning.json");
        let admin = "S-1-5-32-544";
        assert!(matches!(
            judge_windows(p, admin, None, false),
            Err(AdminOnlyError::WritableByOthers { .. })
        ));
        for mask in [0x2, 0x4, 0x0001_0000, 0x0004_0000, 0x0008_0000, 0x4000_0000] {
            let dacl = [
                ace(0, 0, 0x001F_01FF, admin),
                ace(0, 0, 0x0012_0089 | mask, USERS),
            ];
            assert!(
                matches!(
                    judge_windows(p, admin, Some(&dacl), false),
                    Err(AdminOnlyError::WritableByOthers { who, .. }) if who == USERS
                ),
                "mask {mask:#x}"
            );
        }
        // A denied entry, an inherit-only one and the administrators' own are not grants.
        let dacl = [
            ace(1, 0, 0x001F_01FF, USERS),
            ace(0, INHERIT_ONLY | 0x3, 0x1000_0000, CREATOR_OWNER),
            ace(0, 0, 0x001F_01FF, "S-1-5-18"),
        ];
        assert!(judge_windows(p, admin, Some(&dacl), false).is_ok());
        // An entry of a kind this check does not read is refused.
        let dacl = [ace(9, 0, 0x0012_0089, USERS)];
        assert!(judge_windows(p, admin, Some(&dacl), false).is_err());
    }

    /// `%ProgramData%` lets users add folders and files (so a planted one is refused by its
    /// owner), but not delete, rename or re-own what an administrator put there.
    #[test]
    fn windows_folders_may_let_users_add_entries_but_not_replace_them() {
        let p = Path::new("C:\\ProgramData");
        let admin = "S-1-5-18";
        let add = [ace(0, 0x2, 0x0012_0089 | 0x2 | 0x4 | 0x10 | 0x100, USERS)];
        assert!(judge_windows(p, admin, Some(&add), true).is_ok());
        for mask in [FILE_DELETE_CHILD, DELETE, WRITE_DAC, GENERIC_ALL] {
            let dacl = [ace(0, 0, 0x0012_0089 | mask, USERS)];
            assert!(
                judge_windows(p, admin, Some(&dacl), true).is_err(),
                "mask {mask:#x}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn unix_group_or_other_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let p = Path::new("/etc/verity/provisioning.json");
        assert!(judge_unix(p, 0, 0o100_644, 0).is_ok());
        assert!(matches!(
            judge_unix(p, 0, 0o100_664, 0),
            Err(AdminOnlyError::WritableByOthers { who, .. }) if who == "its group"
        ));
        assert!(matches!(
            judge_unix(p, 0, 0o100_646, 0),
            Err(AdminOnlyError::WritableByOthers { who, .. }) if who == "every user"
        ));
        // On disk: a group-writable file is refused, whoever owns it.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("provisioning.json");
        std::fs::write(&file, b"{}").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o664)).unwrap();
        let me = rustix::process::geteuid().as_raw();
        let err = check_owned_by(&file, me).unwrap_err();
        assert!(
            matches!(&err, AdminOnlyError::WritableByOthers { path, .. } if path.ends_with("provisioning.json")),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn unix_a_file_owned_by_an_ordinary_user_is_refused() {
        let p = Path::new("/etc/verity/provisioning.json");
        assert!(matches!(
            judge_unix(p, 1000, 0o100_644, 0),
            Err(AdminOnlyError::NotAdminOwned { owner, .. }) if owner == "uid 1000"
        ));
        // The file the current user owns, judged as a release build judges it (root only), or,
        // when the tests run as root, against another required owner.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("provisioning.json");
        std::fs::write(&file, b"{}").unwrap();
        let me = rustix::process::geteuid().as_raw();
        if me == 0 {
            // Root may hand the file to another user, as a planted file would be.
            std::os::unix::fs::chown(&file, Some(4242), None).unwrap();
        }
        let err = check_admin_only(&file).unwrap_err();
        assert!(
            matches!(&err, AdminOnlyError::NotAdminOwned { path, .. } if path.ends_with("provisioning.json")),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn unix_a_world_writable_folder_above_is_refused_and_roots_files_pass() {
        // A folder under a world-writable one (/tmp): refused.
        let dir = tempfile::tempdir_in("/tmp").unwrap();
        let file = dir.path().join("provisioning.json");
        std::fs::write(&file, b"{}").unwrap();
        let me = rustix::process::geteuid().as_raw();
        let err = check_owned_by(&file, me).unwrap_err();
        assert!(
            matches!(&err, AdminOnlyError::WritableByOthers { who, .. } if who == "every user"),
            "{err}"
        );
        // /etc/passwd: root's, 0644, in root's 0755 folders.
        assert_eq!(
            check_admin_only(Path::new("/etc/passwd")).unwrap(),
            std::fs::canonicalize("/etc/passwd").unwrap()
        );
        assert!(matches!(
            check_admin_only(&dir.path().join("absent")),
            Err(AdminOnlyError::Inspect { .. })
        ));
    }
}
