//! Which level of detail a reader keeps surfaces for, when an object has several.
use city_core::Lod;

/// Which level of detail to tile when an object has several.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum LodChoice {
    /// The highest the object has (the default: the most detail there is).
    #[default]
    Highest,
    /// Exactly this one (`"1.2"`, `"2"`); objects without it keep no surfaces.
    Exact(Lod),
}
