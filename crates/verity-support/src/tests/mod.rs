mod guard;
mod handshake;
mod kat;
mod lossy;
mod session;
mod transcript;
