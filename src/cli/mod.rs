//! Subcommands of the `alrao` program that live outside `main.rs`.

pub mod average;
pub mod theorem1;
