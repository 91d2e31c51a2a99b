//! The Windows half of `admin.rs`: each file's or folder's owner and DACL read through Win32, as
//! SID strings judged by `admin::judge_windows`; and `%ProgramData%` from the known-folder API.
//! Each `unsafe` block is one FFI call or a read of a structure Windows filled in.
#![allow(unsafe_code)]

use crate::admin::acl::{judge_windows, Ace};
use crate::admin::AdminOnlyError;
use crate::windows::{last_error, wide, LocalMem};
use std::io;
use std::os::windows::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::ptr::null_mut;
use windows_sys::core::PWSTR;
use windows_sys::Win32::Foundation::{LocalFree, ERROR_SUCCESS};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, GetNamedSecurityInfoW, SE_FILE_OBJECT,
};
use windows_sys::Win32::Security::{
    AclSizeInformation, GetAce, GetAclInformation, ACCESS_ALLOWED_ACE, ACE_HEADER, ACL,
    ACL_SIZE_INFORMATION, DACL_SECURITY_INFORMATION, OWNER_SECURITY_INFORMATION,
    PSECURITY_DESCRIPTOR, PSID,
};
use windows_sys::Win32::System::Com::CoTaskMemFree;
use windows_sys::Win32::UI::Shell::{FOLDERID_ProgramData, SHGetKnownFolderPath};

/// Reads a NUL-terminated wide string Windows allocated.
///
/// # Safety
/// `p` points to a NUL-terminated UTF-16 string.
unsafe fn from_wide(p: PWSTR) -> std::ffi::OsString {
    let mut len = 0usize;
    // SAFETY: the caller's promise: the string ends with a NUL.
    unsafe {
        while *p.add(len) != 0 {
            len += 1;
        }
        std::ffi::OsString::from_wide(std::slice::from_raw_parts(p, len))
    }
}

fn sid_string(sid: PSID) -> io::Result<String> {
    let mut out: PWSTR = null_mut();
    // SAFETY: `sid` points to a valid SID; `out` receives a LocalAlloc'd string.
    if unsafe { ConvertSidToStringSidW(sid, &mut out) } == 0 {
        return Err(last_error());
    }
    // SAFETY: ConvertSidToStringSidW wrote a NUL-terminated string.
    let s = unsafe { from_wide(out) };
    // SAFETY: allocated by ConvertSidToStringSidW, freed once.
    unsafe { LocalFree(out.cast()) };
    Ok(s.to_string_lossy().into_owned())
}

fn entries(dacl: *mut ACL) -> io::Result<Vec<Ace>> {
    let mut info = ACL_SIZE_INFORMATION::default();
    // SAFETY: `dacl` is valid while its descriptor lives; `info` is the size class's structure.
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
    let mut out = Vec::with_capacity(info.AceCount as usize);
    for i in 0..info.AceCount {
        let mut ace: *mut core::ffi::c_void = null_mut();
        // SAFETY: `i` is below the ACL's entry count; `ace` points into the ACL.
        if unsafe { GetAce(dacl, i, &mut ace) } == 0 {
            return Err(last_error());
        }
        // SAFETY: every ACE starts with an ACE_HEADER.
        let header = unsafe { *ace.cast::<ACE_HEADER>() };
        // Allowed (0) and denied (1) entries share a layout: header, mask, SID.
        let (mask, sid) = if header.AceType <= 1 {
            let ace = ace.cast::<ACCESS_ALLOWED_ACE>();
            // SAFETY: an allowed or denied ACE: its mask, then its SID from SidStart on.
            let (mask, sid) = unsafe {
                let sid: PSID = std::ptr::addr_of_mut!((*ace).SidStart).cast();
                ((*ace).Mask, sid)
            };
            (mask, sid_string(sid)?)
        } else {
            (0, format!("an access entry of kind {}", header.AceType))
        };
        out.push(Ace {
            kind: header.AceType,
            flags: header.AceFlags,
            mask,
            sid,
        });
    }
    Ok(out)
}

/// The owner's SID string and the DACL (`None`: a null DACL) of `path`.
fn security(path: &Path) -> io::Result<(String, Option<Vec<Ace>>)> {
    let name = wide(path);
    let (mut owner, mut dacl): (PSID, *mut ACL) = (null_mut(), null_mut());
    let mut sd: PSECURITY_DESCRIPTOR = null_mut();
    // SAFETY: `name` is NUL-terminated; `owner` and `dacl` point into `sd`, freed by LocalMem.
    let rc = unsafe {
        GetNamedSecurityInfoW(
            name.as_ptr(),
            SE_FILE_OBJECT,
            OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
            &mut owner,
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
    if owner.is_null() {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "no owner"));
    }
    let owner = sid_string(owner)?;
    let dacl = if dacl.is_null() {
        None
    } else {
        Some(entries(dacl)?)
    };
    drop(sd);
    Ok((owner, dacl))
}

/// See `admin::check_admin_only`.
pub(crate) fn check_admin_only(path: &Path) -> Result<PathBuf, AdminOnlyError> {
    let inspect = |p: &Path| {
        let p = p.to_path_buf();
        move |source| AdminOnlyError::Inspect { path: p, source }
    };
    let resolved = std::fs::canonicalize(path).map_err(inspect(path))?;
    for (i, p) in resolved.ancestors().enumerate() {
        if p.as_os_str().is_empty() {
            continue;
        }
        let (owner, dacl) = security(p).map_err(inspect(p))?;
        judge_windows(p, &owner, dacl.as_deref(), i > 0)?;
    }
    Ok(resolved)
}

/// `%ProgramData%` (FOLDERID_ProgramData) as Windows knows it, not as the environment says.
///
/// # Errors
/// The known-folder API's failure.
pub fn program_data() -> io::Result<PathBuf> {
    let mut out: PWSTR = null_mut();
    // SAFETY: a known folder's GUID; `out` receives a CoTaskMemAlloc'd string, freed below even
    // on failure (the API's contract).
    let hr = unsafe { SHGetKnownFolderPath(&FOLDERID_ProgramData, 0, null_mut(), &mut out) };
    let path = if hr >= 0 && !out.is_null() {
        // SAFETY: on success the API wrote a NUL-terminated path.
        Ok(PathBuf::from(unsafe { from_wide(out) }))
    } else {
        Err(io::Error::from_raw_os_error(hr))
    };
    // SAFETY: allocated by SHGetKnownFolderPath (or null), freed once.
    unsafe { CoTaskMemFree(out.cast()) };
    path
}
