//! CityTwin's analyses for planners (issue 19), each a batch on the parallel engine and none
//! tied to a renderer: the viewer only draws their results, and `citytwin analyze` runs them
//! from the command line.
//!
//! - [`sun_position`]: where the sun is, for a place and an instant (NREL's SPA).
//! - [`flood`]: water standing at a level or risen from a seed, spreading only where it is
//!   connected, over a height grid: the depth per cell.
//! - [`height_grid`]: the georeferenced grid of heights both read (a DEM, read by the caller).
mod flood;
mod height_grid;
mod spa_tables;
mod sun_position;

pub use flood::{Flood, FloodError, FloodLevel, flood};
pub use height_grid::HeightGrid;
pub use sun_position::{Observer, SunPosition, delta_t, parse_rfc3339, sun_position};
