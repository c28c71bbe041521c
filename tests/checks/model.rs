//! (to be written)
use super::Ctx;
pub fn run(_ctx: &mut Ctx, _target: &str, _ops: u32, _seed: u64) {}
