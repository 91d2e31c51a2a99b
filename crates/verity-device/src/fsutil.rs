//! Owner-only files and directories, written atomically: the device state, the key file, and on
//! the desk the database and the organisation key all go through here. The rules live in
//! `verity-fs` (create_new through tempfile, owner-only from creation, existing directories
//! checked); this module keeps the names the device and the desk use.

pub use verity_fs::{ensure_private_dir, restrict_file, write_private_file};
