//! The remote-access tripwire's tool table, shipped as a target of the signed feed
//! (`tripwire.tools.json`), so that IT can add a newly abused program without a new release.
//!
//! The target is the table's JSON (`verity_tripwire::remote::ToolTable`), described in the
//! signed targets metadata by `custom.verity = {"kind": "tools", "version": N}`; TUF verifies
//! its length and hash like the list's files. A client takes it only from an organisation's feed
//! (`SyncConfig::apply_official`: a root entered by hand cannot change what the tripwire
//! watches), only when its version is above the one kept, and only after
//! [`ToolTable::parse`] accepted it and its version matched the signed one. The app then adds it
//! to the built-in table (`ToolTable::with_additions`): a feed adds tools and names, it never
//! removes one, so not even a compromised feed can blind the tripwire.

use crate::error::{classify, Phase};
use crate::{FeedError, CUSTOM_KEY};
use serde::{Deserialize, Serialize};
use tough::schema::Target;
use tough::{IntoVec, Repository, TargetName};
use verity_tripwire::remote::{ToolTable, MAX_TABLE_BYTES};

/// The target holding the tool table.
pub const TOOLS_TARGET: &str = "tripwire.tools.json";
const KIND: &str = "tools";

/// The table's signed description (`custom.verity`). Fields a newer publisher adds are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolsInfo {
    /// Always `tools`.
    pub kind: String,
    /// The table's own version.
    pub version: u32,
}

fn describe(t: &Target) -> Result<ToolsInfo, FeedError> {
    let bad = |m: String| FeedError::NotAFeed(format!("{TOOLS_TARGET}: {m}"));
    let v = t
        .custom
        .get(CUSTOM_KEY)
        .ok_or_else(|| bad(format!("no custom.{CUSTOM_KEY}")))?;
    let info: ToolsInfo = serde_json::from_value(v.clone()).map_err(|e| bad(e.to_string()))?;
    if info.kind != KIND {
        return Err(bad(format!("custom.{CUSTOM_KEY}.kind is not {KIND:?}")));
    }
    if t.length > MAX_TABLE_BYTES as u64 {
        return Err(FeedError::TooLarge(format!(
            "{TOOLS_TARGET} is {} bytes, over the limit of {MAX_TABLE_BYTES}",
            t.length
        )));
    }
    Ok(info)
}

/// A verified table from the feed: its version and JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedTools {
    /// The table's version.
    pub version: u32,
    /// Its JSON, as signed (parsed and checked).
    pub json: String,
}

/// The feed's table when the repository lists one newer than `have`: downloaded through tough
/// (length and hash verified), parsed, its version checked against the signed one.
///
/// # Errors
/// [`FeedError::NotAFeed`] for a description or table that does not check out,
/// [`FeedError::TooLarge`], download errors.
pub(crate) async fn fetch_newer(
    repo: &Repository,
    have: Option<u32>,
) -> Result<Option<FeedTools>, FeedError> {
    let name = TargetName::new(TOOLS_TARGET).map_err(|e| FeedError::Tuf(e.to_string()))?;
    let Some(target) = repo.targets().signed.targets.get(&name) else {
        return Ok(None);
    };
    let info = describe(target)?;
    if have.is_some_and(|h| h >= info.version) {
        return Ok(None);
    }
    let stream = repo
        .read_target(&name)
        .await
        .map_err(|e| classify(&e, Phase::Target("tools")))?
        .ok_or_else(|| FeedError::NotFound(TOOLS_TARGET.to_owned()))?;
    let bytes = stream
        .into_vec()
        .await
        .map_err(|e| classify(&e, Phase::Target("tools")))?;
    let table = ToolTable::parse(&bytes)
        .map_err(|e| FeedError::NotAFeed(format!("{TOOLS_TARGET}: {e}")))?;
    if table.version != info.version {
        return Err(FeedError::NotAFeed(format!(
            "{TOOLS_TARGET} is version {} but was signed as version {}",
            table.version, info.version
        )));
    }
    let json = String::from_utf8(bytes)
        .map_err(|_| FeedError::NotAFeed(format!("{TOOLS_TARGET} is not UTF-8")))?;
    Ok(Some(FeedTools {
        version: info.version,
        json,
    }))
}

/// The signed description of a table to publish, after checking it as a client will.
///
/// # Errors
/// [`FeedError::Input`] for a table clients would refuse.
#[cfg(feature = "publish")]
pub(crate) fn info_for(bytes: &[u8]) -> Result<ToolsInfo, FeedError> {
    let table =
        ToolTable::parse(bytes).map_err(|e| FeedError::Input(format!("the tool table: {e}")))?;
    Ok(ToolsInfo {
        kind: KIND.to_owned(),
        version: table.version,
    })
}

/// The table target the repository lists now, to carry it into the next version (or to check
/// that a new one has a higher version).
#[cfg(feature = "publish")]
pub(crate) fn current(repo: &Repository) -> Result<Option<(Target, ToolsInfo)>, FeedError> {
    let name = TargetName::new(TOOLS_TARGET).map_err(|e| FeedError::Tuf(e.to_string()))?;
    match repo.targets().signed.targets.get(&name) {
        None => Ok(None),
        Some(t) => Ok(Some((t.clone(), describe(t)?))),
    }
}
