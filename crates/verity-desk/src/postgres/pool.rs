//! A small pool of sync PostgreSQL connections: opened on demand up to a cap, handed out one per
//! caller, given back when the guard drops (a connection the server closed is forgotten and a
//! new one opened next time). Callers wait when all are in use.

use super::{db, mask_url};
use crate::store::StoreError;
use postgres::{Client, Config, NoTls};
use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

struct State {
    idle: Vec<Client>,
    open: usize,
}

/// The pool.
pub struct Pool {
    config: Config,
    masked: String,
    size: usize,
    state: Mutex<State>,
    freed: Condvar,
}

impl Pool {
    /// A pool for `url` of at most `size` connections (at least one), each connect giving up
    /// after `connect_timeout`. Nothing is opened yet.
    ///
    /// # Errors
    /// [`StoreError::Db`] when the URL does not parse (named with its password masked).
    pub fn new(url: &str, size: usize, connect_timeout: Duration) -> Result<Pool, StoreError> {
        let masked = mask_url(url);
        if !super::is_postgres_url(url) {
            return Err(StoreError::Db(format!(
                "{masked}: not a PostgreSQL URL (postgres://user:password@host:port/database)"
            )));
        }
        let mut config = Config::from_str(url)
            .map_err(|_| StoreError::Db(format!("{masked}: not a valid PostgreSQL URL")))?;
        config.connect_timeout(connect_timeout);
        config.application_name("verity-desk");
        Ok(Pool {
            config,
            masked,
            size: size.max(1),
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
        })
    }

    /// The connection settings (for a connection of one's own, outside the pool).
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The URL with its password masked.
    #[must_use]
    pub fn masked_url(&self) -> &str {
        &self.masked
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state is a list and a count, consistent at every step: a panic elsewhere while
        // holding the lock leaves it usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A connection: an idle one, a new one under the cap, or the next one given back.
    ///
    /// # Errors
    /// [`StoreError::Db`] when a new connection fails (the message names the masked URL).
    pub fn get(&self) -> Result<Pooled<'_>, StoreError> {
        let mut state = self.state();
        loop {
            if let Some(client) = state.idle.pop() {
                return Ok(Pooled {
                    pool: self,
                    client: Some(client),
                });
            }
            if state.open < self.size {
                state.open += 1;
                drop(state);
                return match self.config.connect(NoTls) {
                    Ok(client) => Ok(Pooled {
                        pool: self,
                        client: Some(client),
                    }),
                    Err(e) => {
                        self.state().open -= 1;
                        self.freed.notify_one();
                        Err(StoreError::Db(format!(
                            "cannot connect to {}: {}",
                            self.masked,
                            db(e)
                        )))
                    }
                };
            }
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    /// Connections open (idle or in use).
    #[must_use]
    pub fn open_connections(&self) -> usize {
        self.state().open
    }
}

/// A connection taken from the pool, given back on drop.
pub struct Pooled<'a> {
    pool: &'a Pool,
    client: Option<Client>,
}

impl Deref for Pooled<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        // Always `Some` until drop.
        self.client.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().unwrap_or_else(|| unreachable!())
    }
}

/// Closing a client blocks on the driver's own runtime, which panics on a thread that drives a
/// tokio runtime — where the last handle on the store often goes (a desk's service stopping:
/// the future that held it ends inside `block_on`). The idle connections are closed on a thread
/// of their own.
impl Drop for State {
    fn drop(&mut self) {
        let idle = std::mem::take(&mut self.idle);
        if idle.is_empty() {
            return;
        }
        if tokio::runtime::Handle::try_current().is_err() {
            drop(idle);
        } else if let Ok(closer) = std::thread::Builder::new()
            .name("pg-pool-close".into())
            .spawn(move || drop(idle))
        {
            // Best effort: a connection that cannot close cleanly is closed by the server.
            let _ = closer.join();
        }
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        let mut state = self.pool.state();
        if client.is_closed() {
            state.open -= 1;
        } else {
            state.idle.push(client);
        }
        drop(state);
        self.pool.freed.notify_one();
    }
}
