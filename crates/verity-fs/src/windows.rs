//! Owner-only on Windows: a protected DACL (nothing inherited from the parent) with one entry,
//! full control for the current user (the token's user SID), inherited by everything created
//! inside a directory. This is the ACL equivalent of 0700/0600: no group, no Administrators, no
//! SYSTEM entry (an administrator can still take ownership, as root can read a 0600 file).
//!
//! Raw Win32 calls through `windows-sys` (already in the dependency tree, bindings only, no
//! runtime): the `windows` crate would add its COM and error wrappers for four calls. Each
//! `unsafe` block below is one FFI call or a read of a structure Windows filled in.
#![allow(unsafe_code)]

use std::io;
use std::os::windows::ffi::OsStrExt;
use std::path::Path;
use std::ptr::{null, null_mut};
use windows_sys::Win32::Foundation::{CloseHandle, LocalFree, ERROR_SUCCESS, HANDLE};
use windows_sys::Win32::Security::Authorization::{
    GetNamedSecurityInfoW, SetNamedSecurityInfoW, SE_FILE_OBJECT,
};
use windows_sys::Win32::Security::{
    AclSizeInformation, AddAccessAllowedAceEx, EqualSid, GetAce, GetAclInformation, GetLengthSid,
    GetSecurityDescriptorControl, GetTokenInformation, InitializeAcl, TokenOwner, TokenUser,
    ACCESS_ALLOWED_ACE, ACE_HEADER, ACL, ACL_REVISION, ACL_SIZE_INFORMATION, CONTAINER_INHERIT_ACE,
    DACL_SECURITY_INFORMATION, OBJECT_INHERIT_ACE, OWNER_SECURITY_INFORMATION,
    PROTECTED_DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, SE_DACL_PROTECTED,
    TOKEN_INFORMATION_CLASS, TOKEN_OWNER, TOKEN_QUERY, TOKEN_USER,
};
use windows_sys::Win32::Storage::FileSystem::FILE_ALL_ACCESS;
use windows_sys::Win32::System::SystemServices::ACCESS_ALLOWED_ACE_TYPE;
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// Inheritance flags a directory's entry carries (files and folders created inside inherit it).
const DIR_INHERIT: u8 = (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE) as u8;

pub(crate) fn last_error() -> io::Error {
    io::Error::last_os_error()
}

pub(crate) fn wide(path: &Path) -> Vec<u16> {
    path.as_os_str().encode_wide().chain(Some(0)).collect()
}

struct Token(HANDLE);

impl Drop for Token {
    fn drop(&mut self) {
        // SAFETY: the handle came from OpenProcessToken and is closed once.
        unsafe { CloseHandle(self.0) };
    }
}

/// One of the process token's SIDs: the TOKEN_USER (or TOKEN_OWNER) structure, in a buffer
/// aligned for it. Both structures are one SID pointer into the same buffer.
struct UserSid(Vec<u64>);

impl UserSid {
    /// The current user's SID (TokenUser).
    fn current() -> io::Result<UserSid> {
        Self::query(TokenUser, std::mem::size_of::<TOKEN_USER>())
    }

    /// The SID this process makes the owner of what it creates (TokenOwner): the user's, or
    /// Administrators' in an elevated process.
    fn default_owner() -> io::Result<UserSid> {
        Self::query(TokenOwner, std::mem::size_of::<TOKEN_OWNER>())
    }

    fn query(class: TOKEN_INFORMATION_CLASS, min: usize) -> io::Result<UserSid> {
        let mut handle: HANDLE = null_mut();
        // SAFETY: a pseudo-handle for this process; `handle` receives a new token handle.
        if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut handle) } == 0 {
            return Err(last_error());
        }
        let token = Token(handle);
        let mut len = 0u32;
        // SAFETY: a size query (no buffer): fails with ERROR_INSUFFICIENT_BUFFER, sets `len`.
        unsafe { GetTokenInformation(token.0, class, null_mut(), 0, &mut len) };
        if (len as usize) < min {
            return Err(last_error());
        }
        let mut buf = vec![0u64; (len as usize).div_ceil(8)];
        // SAFETY: `buf` holds `len` bytes, 8-aligned, written by the call.
        if unsafe { GetTokenInformation(token.0, class, buf.as_mut_ptr().cast(), len, &mut len) }
            == 0
        {
            return Err(last_error());
        }
        Ok(UserSid(buf))
    }

    fn sid(&self) -> PSID {
        // SAFETY: GetTokenInformation wrote a TOKEN_USER or TOKEN_OWNER at the start of the
        // buffer (a SID pointer first in both); the SID points inside the same buffer, which
        // lives as long as `self`.
        unsafe { *self.0.as_ptr().cast::<PSID>() }
    }
}

/// Whether `path` is owned by this user: its owner SID is the token's user SID, or the token's
/// default owner (Administrators, for what an elevated process creates).
pub(crate) fn owned_by_current_user(path: &Path) -> io::Result<bool> {
    let name = wide(path);
    let mut owner: PSID = null_mut();
    let mut sd: PSECURITY_DESCRIPTOR = null_mut();
    // SAFETY: `name` is NUL-terminated; `owner` points into `sd`, which we free (LocalMem).
    let rc = unsafe {
        GetNamedSecurityInfoW(
            name.as_ptr(),
            SE_FILE_OBJECT,
            OWNER_SECURITY_INFORMATION,
            &mut owner,
            null_mut(),
            null_mut(),
            null_mut(),
            &mut sd,
        )
    };
    if rc != ERROR_SUCCESS {
        return Err(io::Error::from_raw_os_error(rc as i32));
    }
    let sd = LocalMem(sd);
    if owner.is_null() {
        return Ok(false);
    }
    for me in [UserSid::current()?, UserSid::default_owner()?] {
        // SAFETY: both SIDs are valid: `owner` while `sd` lives, `me` while it lives.
        if unsafe { EqualSid(owner, me.sid()) } != 0 {
            drop(sd);
            return Ok(true);
        }
    }
    drop(sd);
    Ok(false)
}

/// One entry of a DACL, as far as owner-only cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    /// An access-allowed entry (not denied, not audit).
    pub allowed: bool,
    /// The entry's flags (inheritance).
    pub flags: u8,
    /// The rights it grants or denies.
    pub mask: u32,
    /// Whether it names the current user.
    pub current_user: bool,
}

/// A file's or directory's DACL: `None` when it has none (everyone may do anything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dacl {
    /// Protected: entries of the parent are not inherited.
    pub protected: bool,
    pub entries: Vec<Entry>,
}

pub(crate) struct LocalMem(pub(crate) PSECURITY_DESCRIPTOR);

impl Drop for LocalMem {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: allocated by GetNamedSecurityInfoW, freed once.
            unsafe { LocalFree(self.0) };
        }
    }
}

fn read_dacl(path: &Path, user: &UserSid) -> io::Result<Option<Dacl>> {
    let name = wide(path);
    let mut dacl: *mut ACL = null_mut();
    let mut sd: PSECURITY_DESCRIPTOR = null_mut();
    // SAFETY: `name` is NUL-terminated; `dacl` points into `sd`, which we free (LocalMem).
    let rc = unsafe {
        GetNamedSecurityInfoW(
            name.as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION,
            null_mut(),
            null_mut(),
            &mut dacl,
            null_mut(),
            &mut sd,
        )
    };
    if rc != ERROR_SUCCESS {
        return Err(io::Error::from_raw_os_error(rc as i32));
    }
    let sd = LocalMem(sd);
    if dacl.is_null() {
        return Ok(None);
    }
    let (mut control, mut revision) = (0u16, 0u32);
    // SAFETY: `sd` is the descriptor Windows returned.
    if unsafe { GetSecurityDescriptorControl(sd.0, &mut control, &mut revision) } == 0 {
        return Err(last_error());
    }
    let mut info = ACL_SIZE_INFORMATION::default();
    // SAFETY: `dacl` is valid while `sd` lives; `info` is the size class's structure.
    if unsafe {
        GetAclInformation(
            dacl,
            (&mut info as *mut ACL_SIZE_INFORMATION).cast(),
            std::mem::size_of::<ACL_SIZE_INFORMATION>() as u32,
            AclSizeInformation,
        )
    } == 0
    {
        return Err(last_error());
    }
    let mut entries = Vec::with_capacity(info.AceCount as usize);
    for i in 0..info.AceCount {
        let mut ace: *mut core::ffi::c_void = null_mut();
        // SAFETY: `i` is below the ACL's entry count; `ace` points into the ACL.
        if unsafe { GetAce(dacl, i, &mut ace) } == 0 {
            return Err(last_error());
        }
        // SAFETY: every ACE starts with an ACE_HEADER.
        let header = unsafe { *ace.cast::<ACE_HEADER>() };
        let allowed = u32::from(header.AceType) == ACCESS_ALLOWED_ACE_TYPE;
        let (mask, current_user) = if allowed {
            let ace = ace.cast::<ACCESS_ALLOWED_ACE>();
            // SAFETY: an access-allowed ACE: its mask, then its SID from SidStart on.
            unsafe {
                let sid: PSID = std::ptr::addr_of_mut!((*ace).SidStart).cast();
                ((*ace).Mask, EqualSid(sid, user.sid()) != 0)
            }
        } else {
            (0, false)
        };
        entries.push(Entry {
            allowed,
            flags: header.AceFlags,
            mask,
            current_user,
        });
    }
    Ok(Some(Dacl {
        protected: control & SE_DACL_PROTECTED != 0,
        entries,
    }))
}

/// The DACL of `path`, read for tests.
#[cfg(test)]
pub(crate) fn dacl(path: &Path) -> io::Result<Option<Dacl>> {
    read_dacl(path, &UserSid::current()?)
}

fn is_owner_only(dacl: Option<&Dacl>, dir: bool) -> bool {
    let want_flags = if dir { DIR_INHERIT } else { 0 };
    matches!(dacl, Some(Dacl { protected: true, entries })
        if matches!(entries.as_slice(), [e] if e.allowed && e.current_user
            && e.mask & FILE_ALL_ACCESS == FILE_ALL_ACCESS && e.flags == want_flags))
}

/// Makes `path` owner-only (see the module docs) unless it already is. Replacing the DACL needs
/// WRITE_DAC, which the owner always has: a file or folder another user owns fails with
/// `PermissionDenied`.
pub(crate) fn restrict(path: &Path, dir: bool) -> io::Result<()> {
    let user = UserSid::current()?;
    if is_owner_only(read_dacl(path, &user)?.as_ref(), dir) {
        return Ok(());
    }
    // SAFETY: the SID lives in `user`.
    let sid_len = unsafe { GetLengthSid(user.sid()) } as usize;
    let size = std::mem::size_of::<ACL>() + std::mem::size_of::<ACCESS_ALLOWED_ACE>()
        - std::mem::size_of::<u32>()
        + sid_len;
    let size_u32 = u32::try_from(size).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))?;
    let mut buf = vec![0u64; size.div_ceil(8)];
    let acl = buf.as_mut_ptr().cast::<ACL>();
    let flags = if dir { u32::from(DIR_INHERIT) } else { 0 };
    // SAFETY: `buf` holds `size` bytes, aligned; the ACL is built in place.
    unsafe {
        if InitializeAcl(acl, size_u32, ACL_REVISION) == 0
            || AddAccessAllowedAceEx(acl, ACL_REVISION, flags, FILE_ALL_ACCESS, user.sid()) == 0
        {
            return Err(last_error());
        }
    }
    let name = wide(path);
    // SAFETY: `name` is NUL-terminated; the ACL in `buf` outlives the call.
    let rc = unsafe {
        SetNamedSecurityInfoW(
            name.as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            null_mut(),
            null_mut(),
            acl,
            null(),
        )
    };
    if rc != ERROR_SUCCESS {
        return Err(io::Error::from_raw_os_error(rc as i32));
    }
    Ok(())
}
